#!/usr/bin/env bash
# --trace-children=yes|no (HEAPGUARD_CHILDREN): whether the programs a program runs get
# heapguard too.  children/parent.c leaks 24 bytes (parent_leak) and runs
# children/child.c, which leaks 56 (child_leak) and exits 3, by execv, execve with
# main's envp, posix_spawn, system(3) or fork+execv.  Each process's report goes to its
# own log (%p).  Checks:
#   * yes (the default, and said): every way, the child's leak is reported too, and
#     the exit status of `exec` is the child's error status 99;
#   * no: only the parent's report; an exec'd child runs without heapguard (exit 3,
#     its own), its double free is no report of ours either;
#   * no, in every command that preloads (guard, stats, trace, run): one process's
#     output, not two;
#   * the environment the child gets: the library's LD_PRELOAD entry gone (by path,
#     and by a bare name found in LD_LIBRARY_PATH), the other entries kept in order with
#     their separators, LD_PRELOAD gone when only ours was there, every HEAPGUARD_
#     variable gone but HEAPGUARD_LIB, the others kept in order;
#   * a shell: `bash -c` with --trace-children=no leaves reports of bash and of its
#     forked subshell only (as Valgrind: a fork is the same program), with yes those of
#     the commands it runs too;
#   * a bad value is refused by the CLI.
. "$(dirname "$0")/lib.sh"
need gcc bash sh
no_heapguard_env
build_cli
build parent gcc -O0 -g -o "$T/parent" "$HG_ROOT/tests/programs/children/parent.c"
build child gcc -O0 -g -o "$T/child" "$HG_ROOT/tests/programs/children/child.c"
LOGS=$T/logs
show() { for f in "$@"; do say "  --- $f"; sed 's/^/  | /' "$f" | head -n 30; done; }

# run_check OPTION... -- CMD...: heapguard check with logs in $LOGS, status in st (the
# group's redirection silences bash's note of a child killed by glibc's abort)
run_check() {
  rm -rf "$LOGS" && mkdir -p "$LOGS"
  { "$HG" check --log-file="$LOGS/%p.log" "$@" >"$T/out" 2>"$T/err"; } 2>/dev/null
  st=$?
}
# has WHAT: how many logs name WHAT in a leak record's stack
has() { grep -l "$1" "$LOGS"/*.log 2>/dev/null | wc -l; }
logs() { find "$LOGS" -name '*.log' -size +0 | wc -l; }

for how in exec envp spawn system fork-exec; do
  for ch in default yes no; do
    HG_CHECKS=$((HG_CHECKS + 1))
    opt=(); [ $ch = default ] || opt=(--trace-children=$ch)
    run_check "${opt[@]}" -- "$T/parent" $how "$T/child"
    want_child=1 want_parent=1 want_st=99
    [ $ch = no ] && want_child=0
    case $how in exec|envp) want_parent=0; [ $ch = no ] && want_st=3 ;; esac   # the image is replaced
    if [ "$(has child_leak)" -ne $want_child ] || [ "$(has parent_leak)" -ne $want_parent ] || [ $st -ne $want_st ]; then
      fail "$how, ${opt[*]:-no option}: wanted child's leak $want_child, parent's $want_parent, status $want_st;" \
           "got $(has child_leak), $(has parent_leak), status $st"
      show "$LOGS"/*.log "$T/err"
    else
      say "ok: $how, ${opt[*]:-no option}: child's report $want_child, parent's $want_parent, status $st"
    fi
  done
done

# A double free in a child not followed is not ours to report (glibc's own check may
# abort it: any status but ours).
HG_CHECKS=$((HG_CHECKS + 1))
run_check --trace-children=yes -- "$T/parent" exec "$T/child" double-free; st_yes=$st; n_yes=$(grep -l 'ERROR: double-free' "$LOGS"/*.log 2>/dev/null | wc -l)
run_check --trace-children=no -- "$T/parent" exec "$T/child" double-free; st_no=$st; n_no=$(grep -l 'ERROR: double-free' "$LOGS"/*.log 2>/dev/null | wc -l)
if [ "$st_yes" -ne 99 ] || [ "$n_yes" -ne 1 ] || [ "$st_no" -eq 99 ] || [ "$n_no" -ne 0 ]; then
  fail "double free in an exec'd child: yes gave status $st_yes, $n_yes reports; no gave $st_no, $n_no (wanted 99, 1; not 99, 0)"
else say "ok: double free in an exec'd child: reported with yes; with no, the child is not ours (status $st_no)"; fi

# The other commands: one process's output with no, two with yes.
for cmd in guard stats trace; do
  for ch in yes no; do
    HG_CHECKS=$((HG_CHECKS + 1))
    case $cmd in
      guard) "$HG" guard --trace-children=$ch --log-file="$T/g.%p" --error-exitcode=0 -- "$T/parent" spawn "$T/child" >/dev/null 2>&1
             n=$(cat "$T"/g.* | grep -c 'ERROR SUMMARY'); rm -f "$T"/g.* ;;
      stats) n=$("$HG" stats --trace-children=$ch -- "$T/parent" spawn "$T/child" 2>&1 >/dev/null | grep -c 'heapguard stats for') ;;
      trace) n=$("$HG" trace --trace-children=$ch -- "$T/parent" spawn "$T/child" 2>&1 >/dev/null |
                 sed -n 's/^heapguard\[\([0-9]*\)\].*/\1/p' | sort -u | wc -l) ;;
    esac
    want=2; [ $ch = no ] && want=1
    if [ "$n" -ne $want ]; then fail "$cmd --trace-children=$ch: output of $n processes, wanted $want"
    else say "ok: $cmd --trace-children=$ch: $n process(es)"; fi
  done
done
# run: the child's environment has no heapguard left
HG_CHECKS=$((HG_CHECKS + 1))
"$HG" run --trace-children=no -- "$T/parent" exec /usr/bin/env >"$T/run.env" 2>&1
if grep -Eq '^(LD_PRELOAD|HEAPGUARD_)' "$T/run.env"; then fail "run --trace-children=no: the child still has"; grep -E '^(LD_PRELOAD|HEAPGUARD_)' "$T/run.env" | sed 's/^/  | /'
else say "ok: run --trace-children=no: no LD_PRELOAD or HEAPGUARD_ variable in the child"; fi

# The environment itself, in the env form (HEAPGUARD_CHILDREN, LD_PRELOAD by hand).
build a gcc -shared -fPIC -o "$T/a.so" -x c /dev/null
cp "$T/a.so" "$T/b.so"
cp "$HG_LIB_SO" "$T/libhg-copy.so"   # not our name: found by being the same file
child_env() { "$@" "$T/parent" env 2>"$T/env.err" | grep -E '^(LD_PRELOAD|HEAPGUARD_|HG_X)'; }
expect_env() { # NAME WANTED GOT
  HG_CHECKS=$((HG_CHECKS + 1))
  if [ "$2" != "$3" ]; then fail "$1: the child's environment is"; say "$3" | sed 's/^/  | /'; say "  wanted:"; say "$2" | sed 's/^/  | /'; sed 's/^/  err| /' "$T/env.err"
  else say "ok: $1"; fi
}
got=$(child_env env HG_X1=1 HEAPGUARD_MODE=check HEAPGUARD_LEAK_CHECK=no HG_X2=2 HEAPGUARD_CHILDREN=no \
      HEAPGUARD_LIB=/some/lib HG_X3=3 LD_PRELOAD="$T/a.so:$HG_LIB_SO $T/b.so")
expect_env "others kept in order, with their separators; HEAPGUARD_LIB kept" \
  "$(printf '%s\n' HG_X1=1 HG_X2=2 HEAPGUARD_LIB=/some/lib HG_X3=3 "LD_PRELOAD=$T/a.so $T/b.so")" "$got"
got=$(child_env env HEAPGUARD_CHILDREN=0 LD_PRELOAD="$T/libhg-copy.so")
expect_env "LD_PRELOAD with only ours (another name, the same file) is dropped" "" "$got"
got=$(child_env env HEAPGUARD_CHILDREN=no LD_LIBRARY_PATH="$(dirname "$HG_LIB_SO")" LD_PRELOAD="$T/b.so::libheapguard.so:$T/a.so")
expect_env "a bare name found in the library path" "LD_PRELOAD=$T/b.so:$T/a.so" "$got"
got=$(child_env env HEAPGUARD_CHILDREN=yes HEAPGUARD_LEAK_CHECK=no LD_PRELOAD="$T/a.so:$HG_LIB_SO")
expect_env "yes: all kept" "$(printf '%s\n' HEAPGUARD_CHILDREN=yes HEAPGUARD_LEAK_CHECK=no "LD_PRELOAD=$T/a.so:$HG_LIB_SO")" "$got"

# A shell: bash and its subshell (a fork of it) with no; its commands too with yes.
for ch in yes no; do
  HG_CHECKS=$((HG_CHECKS + 1))
  run_check --trace-children=$ch --leak-check=summary -- bash -c '"$1" spawn "$1"; x=$(cat /dev/null); (true; "$1" env >/dev/null); true' sh "$T/parent"
  n=$(logs)
  want=2; [ $ch = yes ] && want=6   # bash, the subshell; parent, child (spawn), cat, parent (env)
  if [ "$n" -ne $want ]; then fail "bash -c with --trace-children=$ch: $n reports, wanted $want"; show "$LOGS"/*.log
  else say "ok: bash -c with --trace-children=$ch: $n processes reported"; fi
done

HG_CHECKS=$((HG_CHECKS + 1))
"$HG" check --trace-children=maybe -- true 2>"$T/bad.err"; st=$?
if [ $st -ne 2 ] || ! grep -q "bad value 'maybe' for --trace-children: expected yes or no" "$T/bad.err"; then
  fail "--trace-children=maybe: status $st"; sed 's/^/  | /' "$T/bad.err"
else say "ok: --trace-children=maybe refused"; fi
finish

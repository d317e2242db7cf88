#!/usr/bin/env bash
# --child-silent-after-fork=yes|no (HEAPGUARD_CHILD_SILENT_AFTER_FORK): whether a forked
# child that has not exec'd reports.  child_silent/forker.c leaks 24 bytes (parent_leak)
# and forks a child that leaks 40 (forked_leak) and frees a block twice, then exits 5,
# crashes, overflows a block, or execs children/child.c (which leaks 56 from child_leak
# and exits 3); the parent prints the child's status and exits 0.  Each process's report
# goes to its own log (%p).  Checks:
#   * yes: the child writes no log at all, its status is its own (5, not the error exit
#     code 99); the parent's report (its leak, no double free) and status (99) as
#     without the option; no (and the default): the child's report too, status 99;
#   * the same by the environment alone (HEAPGUARD_CHILD_SILENT_AFTER_FORK=1 and 0);
#   * yes, then exec: the exec'd program reports its leak as usual (status 99), and
#     nothing of the silent child before the exec is in its log;
#   * yes: a child's crash (SIGSEGV) has no crash report, the child dies by the signal;
#     guard mode: a child's overflow into a guard page has no report, the child dies by
#     SIGSEGV (its own death, not the error exit code); no: both reported;
#   * sampled guard mode: a silent child's error in a sampled block still ends it
#     (SIGABRT, one line, no report), unless a suppression matches it;
#   * stats: one table and one timeline with yes, two with no;
#   * a bad value is refused by the CLI (status 2).
. "$(dirname "$0")/lib.sh"
need gcc
no_heapguard_env
build_cli
build forker gcc -O0 -g -o "$T/forker" "$HG_ROOT/tests/programs/child_silent/forker.c"
build child gcc -O0 -g -o "$T/child" "$HG_ROOT/tests/programs/children/child.c"
LOGS=$T/logs
show() { for f in "$@"; do say "  --- $f"; sed 's/^/  | /' "$f" | head -n 30; done; }
fresh() { rm -rf "$LOGS" && mkdir -p "$LOGS"; }
# has WHAT: how many logs hold WHAT; logs: how many logs have anything in them
has() { grep -l "$1" "$LOGS"/*.log 2>/dev/null | wc -l; }
logs() { find "$LOGS" -name '*.log' -size +0 | wc -l; }
child_status() { sed -n 's/^child status //p' "$T/out"; }

# expect NAME STATUS CHILD_STATUS LOGS PARENT_LEAK FORKED_LEAK DOUBLE_FREE [CHILD_LEAK]
expect() {
  local name=$1 want="$2 $3 $4 $5 $6 $7 ${8:-0}"
  local got="$st $(child_status) $(logs) $(has parent_leak) $(has forked_leak) $(has 'ERROR: double-free') $(has child_leak)"
  HG_CHECKS=$((HG_CHECKS + 1))
  if [ "$got" != "$want" ]; then
    fail "$name: status, child's status, logs, parent's leak, forked child's leak, double free, exec'd leak:" \
         "got $got, wanted $want"
    show "$LOGS"/*.log "$T/err"
  else say "ok: $name: $got"; fi
}

for ch in default no yes; do
  fresh
  opt=(); [ $ch = default ] || opt=(--child-silent-after-fork=$ch)
  "$HG" check --log-file="$LOGS/%p.log" "${opt[@]}" -- "$T/forker" exit >"$T/out" 2>"$T/err"; st=$?
  if [ $ch = yes ]; then expect "check, $ch" 99 5 1 1 0 0
  else expect "check, $ch" 99 99 2 2 1 1; fi   # the child reports the leak it inherited too
done

for v in 1 0; do
  fresh
  env LD_PRELOAD="$HG_LIB_SO" HEAPGUARD_MODE=check HEAPGUARD_LOG_FILE="$LOGS/%p.log" \
      HEAPGUARD_CHILD_SILENT_AFTER_FORK=$v "$T/forker" exit >"$T/out" 2>"$T/err"; st=$?
  if [ $v = 1 ]; then expect "HEAPGUARD_CHILD_SILENT_AFTER_FORK=$v" 99 5 1 1 0 0
  else expect "HEAPGUARD_CHILD_SILENT_AFTER_FORK=$v" 99 99 2 2 1 1; fi
done

# exec after the fork: a new program, which reports (children followed, the default)
fresh
"$HG" check --log-file="$LOGS/%p.log" --child-silent-after-fork=yes -- "$T/forker" exec "$T/child" >"$T/out" 2>"$T/err"; st=$?
expect "check, yes, then exec" 99 99 2 1 0 0 1

# a crash in a silent child: no crash report, the signal's own death
for ch in no yes; do
  fresh
  "$HG" check --log-file="$LOGS/%p.log" --child-silent-after-fork=$ch -- "$T/forker" crash >"$T/out" 2>"$T/err"; st=$?
  n=$(has 'Process terminating with the default action of signal 11')
  HG_CHECKS=$((HG_CHECKS + 1))
  want=1; [ $ch = yes ] && want=0
  if [ "$n" -ne $want ] || [ "$(child_status)" != 139 ] || [ $st -ne 99 ]; then
    fail "crash, $ch: $n crash reports (wanted $want), child status $(child_status) (wanted 139), status $st"
    show "$LOGS"/*.log "$T/err"
  else say "ok: crash, $ch: $n crash reports, child status 139"; fi
done

# guard mode: a silent child's overflow faults, unreported, and kills it
for ch in no yes; do
  fresh
  "$HG" guard --log-file="$LOGS/%p.log" --child-silent-after-fork=$ch -- "$T/forker" overflow >"$T/out" 2>"$T/err"; st=$?
  n=$(has 'past the end of a 4096-byte block')
  HG_CHECKS=$((HG_CHECKS + 1))
  if [ $ch = yes ]; then want="0 139 1"; else want="1 99 2"; fi
  if [ "$n $(child_status) $(logs)" != "$want" ] || [ $st -ne 99 ]; then
    fail "guard overflow, $ch: reports, child status, logs: $n $(child_status) $(logs), wanted $want; status $st"
    show "$LOGS"/*.log "$T/err"
  else say "ok: guard overflow, $ch: $n $(child_status) $(logs)"; fi
done

# sampled guard mode (every malloc sampled): a child's double free of a sampled block
# ends it (SIGABRT), silent or not, as the default mode's double free does; silent, with
# no report, only the one line that says why (before the fix the silent child went on
# and exited 5); a suppression matching it spares the child either way.
printf '{\n   df\n   heapguard:double-free\n   fun:free\n   fun:main\n}\n' >"$T/df.supp"
for ch in no yes; do
  for supp in none "$T/df.supp"; do
    fresh
    envs=(HEAPGUARD_LOG_FILE="$LOGS/%p.log"); [ "$supp" = none ] || envs+=(HEAPGUARD_SUPPRESSIONS="$supp")
    env "${envs[@]}" "$HG" run --sample-rate=1 --child-silent-after-fork=$ch -- "$T/forker" exit >"$T/out" 2>"$T/err"; st=$?
    line=$(grep -c 'heap error in a block sampled by guard mode' "$T/err")
    silent_line=$(grep -c 'a silent fork child: not reported' "$T/err")
    if [ "$supp" != none ]; then want="5 0 0 0"
    elif [ $ch = yes ]; then want="134 0 1 1"
    else want="134 1 1 0"; fi
    got="$(child_status) $(has 'ERROR: double-free') $line $silent_line"
    HG_CHECKS=$((HG_CHECKS + 1))
    if [ "$got" != "$want" ] || [ $st -ne 0 ]; then
      fail "sampled, $ch, suppressions $supp: child status, reports, fatal lines, silent lines: $got, wanted $want; status $st"
      show "$LOGS"/*.log "$T/err"
    else say "ok: sampled, $ch, suppressions ${supp##*/}: $got"; fi
  done
done

# stats: the child's table and timeline (%p: a file of its own)
for ch in no yes; do
  HG_CHECKS=$((HG_CHECKS + 1))
  rm -rf "$T/tl" && mkdir "$T/tl"
  n=$("$HG" stats --timeline="$T/tl/%p" --child-silent-after-fork=$ch -- "$T/forker" clean 2>&1 >"$T/out" |
      grep -c 'heapguard stats for')
  tl=$(find "$T/tl" -type f -size +0 | wc -l)
  want=2; [ $ch = yes ] && want=1
  if [ "$n $tl" != "$want $want" ] || [ "$(child_status)" != 5 ]; then
    fail "stats, $ch: $n tables, $tl timelines (wanted $want), child status $(child_status)"
  else say "ok: stats, $ch: $n tables, $tl timelines"; fi
done

HG_CHECKS=$((HG_CHECKS + 1))
"$HG" check --child-silent-after-fork=maybe -- true 2>"$T/bad.err"; st=$?
if [ $st -ne 2 ] || ! grep -q "bad value 'maybe' for --child-silent-after-fork: expected yes or no" "$T/bad.err"; then
  fail "--child-silent-after-fork=maybe: status $st"; sed 's/^/  | /' "$T/bad.err"
else say "ok: --child-silent-after-fork=maybe refused"; fi
finish

#!/usr/bin/env bash
# build/heapguard, the command line: `heapguard run|check [options] [--] program`.
# Checks what the CLI itself does, never the library's check mode (which may report
# leaks in sh or change the exit status): under `check` the program is a small clean
# probe.  (A statically linked one, which LD_PRELOAD does not touch, is no longer run:
# tests/programs/not_preloadable.sh.)  Checked: the exit status and death
# signal forwarded, LD_PRELOAD and HEAPGUARD_* as the child sees them, every
# option in both forms, every bad input (status 2, one line naming the problem),
# programs not found or not executable (127/126), help and version, the library lookup
# ($HEAPGUARD_LIB, next to the binary, ../lib in an installed prefix), make install,
# and the man page.
. "$(dirname "$0")/lib.sh"
need make sh env gcc
: "${HG_BUILD:=$HG_ROOT/build}" "${HG_LIB_A:=$HG_BUILD/libheapguard.a}"

# Build the CLI (make test builds only the library), in the build directory under test.
build_cli
rel=${HG_BUILD#"$HG_ROOT"/}   # for make install
[ -x "$HG" ] || { say "FAIL: $HG was not built"; exit 1; }
[ -f "$HG_LIB_SO" ] || { say "FAIL: $HG_LIB_SO does not exist (run make first)"; exit 1; }
# every check below runs programs preloaded: a library that cannot be preloaded is not
# the CLI's failure, and would make all of them fail
if ! env LD_PRELOAD="$HG_LIB_SO" true 2>"$T/preload.err" || grep -q . "$T/preload.err"; then
  say "FAIL: the library itself cannot be preloaded (LD_PRELOAD=$HG_LIB_SO true):"
  sed 's/^/  | /' "$T/preload.err" | head -n 10; exit 1
fi
LIB=$(realpath "$HG_LIB_SO")
VERSION=$(sed -n 's/^VERSION *:\?= *//p' "$HG_ROOT/Makefile")
unset HEAPGUARD_LIB
# the settings the CLI sets must come from it, not from the suite's environment
no_heapguard_env

check() { HG_CHECKS=$((HG_CHECKS + 1)); }
ok() { say "ok    $*"; }

# hg NAME ARGS... — run the CLI; stdout in $T/NAME.out, stderr in $T/NAME.err, $st
hg() {
  local name=$1; shift
  # the group's redirection silences bash's own notes ("Terminated") on deaths by signal
  { "$HG" "$@" </dev/null >"$T/$name.out" 2>"$T/$name.err"; } 2>/dev/null
  st=$?
}
show() { # NAME — what a failed run printed
  sed 's/^/  stdout| /' "$T/$1.out" | head -n 15
  sed 's/^/  stderr| /' "$T/$1.err" | head -n 15
}

# expect NAME STATUS STDOUT ARGS... — exact status and stdout
expect() {
  local name=$1 want_st=$2 want_out=$3; shift 3
  check; hg "$name" "$@"
  if [ "$st" -ne "$want_st" ]; then
    fail "$name: status $(status_desc "$st"), wanted $want_st (heapguard $*)"; show "$name"
  elif [ "$(cat "$T/$name.out")" != "$want_out" ]; then
    fail "$name: stdout differs (heapguard $*)"; say "  wanted: $want_out"; show "$name"
  else
    ok "$name"
  fi
}

# usage_error NAME REGEX ARGS... — status 2, nothing on stdout, one line on stderr
# matching "heapguard: ...REGEX", and the program was not run.
usage_error() {
  local name=$1 re=$2; shift 2
  local args=() a
  for a in "$@"; do args+=("${a//@RAN@/$T/$name.ran}"); done
  check; hg "$name" "${args[@]}"
  if [ "$st" -ne 2 ]; then
    fail "$name: status $(status_desc "$st"), wanted 2 (heapguard ${args[*]})"; show "$name"
  elif [ -e "$T/$name.ran" ]; then
    fail "$name: the program ran anyway (heapguard ${args[*]})"
  elif [ -s "$T/$name.out" ] || [ "$(wc -l <"$T/$name.err")" -ne 1 ] ||
       ! grep -Eq "^heapguard: .*$re" "$T/$name.err"; then
    fail "$name: wanted nothing on stdout and one stderr line matching 'heapguard: .*$re'"; show "$name"
  else
    ok "$name: $(cat "$T/$name.err")"
  fi
}

PRINT_ENV='printf "%s\n" "LD_PRELOAD=$LD_PRELOAD"; env | grep "^HEAPGUARD_" | LC_ALL=C sort'

# The probe: what a program sees; a clean program, so that check mode in it changes
# nothing it prints or its status.
#   probe env          LD_PRELOAD=... then the HEAPGUARD_* variables, sorted
#   probe args A...    [A][B]...
#   probe exit N       exit status N
#   probe kill SIG     death by signal SIG (a number)
cat >"$T/probe.c" <<'C'
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
extern char **environ;
static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "env") == 0) {
    const char *p = getenv("LD_PRELOAD");
    printf("LD_PRELOAD=%s\n", p ? p : "");
    char *v[1000]; size_t n = 0;
    for (char **e = environ; *e && n < 1000; e++)
      if (strncmp(*e, "HEAPGUARD_", 10) == 0) v[n++] = *e;
    qsort(v, n, sizeof *v, cmp);
    for (size_t i = 0; i < n; i++) puts(v[i]);
    return 0;
  }
  if (argc >= 2 && strcmp(argv[1], "args") == 0) {
    for (int i = 2; i < argc; i++) printf("[%s]", argv[i]);
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "exit") == 0) return atoi(argv[2]);
  if (argc == 3 && strcmp(argv[1], "kill") == 0) {
    struct rlimit none = { 0, 0 };
    setrlimit(RLIMIT_CORE, &none);
    signal(atoi(argv[2]), SIG_DFL);
    raise(atoi(argv[2]));
    return 1;
  }
  fprintf(stderr, "probe: bad arguments\n");
  return 2;
}
C
PROBE=$T/probe
gcc -O1 -o "$PROBE" "$T/probe.c" || { say "FAIL: cannot build the probe"; exit 1; }

# ---- version and help ------------------------------------------------------------
expect version 0 "heapguard $VERSION" --version
for args in "--help" "-h" "help" "help --help" "help -h"; do
  name=help${args//[- ]/_}
  check; hg "$name" $args
  if [ "$st" -ne 0 ] || ! grep -q 'usage: heapguard <command>' "$T/$name.out" ||
     ! grep -Eq '^  run ' "$T/$name.out" || ! grep -Eq '^  check ' "$T/$name.out" ||
     ! grep -q 'HEAPGUARD_' "$T/$name.out" || [ -s "$T/$name.err" ]; then
    fail "$name: heapguard $args: status $st; wanted 0, usage naming run and check and HEAPGUARD_*"
    show "$name"
  else ok "$name"; fi
done
# no arguments: the usage, on stderr, status 2
check; hg noargs
if [ "$st" -ne 2 ] || [ -s "$T/noargs.out" ] || ! grep -q 'usage: heapguard' "$T/noargs.err"; then
  fail "noargs: heapguard without arguments: status $st, wanted 2 and the usage on stderr"; show noargs
else ok noargs; fi

# check --help documents every option, its default and its variable
check_opts=(log-file:stderr:LOG_FILE leak-check:full:LEAK_CHECK quarantine:64M:QUARANTINE
            redzone:16:REDZONE stack-depth:12:STACK_DEPTH error-exitcode:99:ERROR_EXITCODE
            protect-min:256K:PROTECT_MIN)
for form in "check --help" "check -h" "help check"; do
  name=checkhelp_${form//[- ]/_}
  check; hg "$name" $form
  text=$(tr -s ' \n' ' ' <"$T/$name.out")
  missing=""
  for o in "${check_opts[@]}"; do
    IFS=: read -r opt def env <<<"$o"
    grep -q -- "^  --$opt=" "$T/$name.out" || missing+=" --$opt"
    [[ $text == *"Default $def; sets HEAPGUARD_$env."* ]] || missing+=" (default $def, HEAPGUARD_$env)"
  done
  [[ $text == *"environment variables"* ]] || missing+=" (the environment variables)"
  if [ "$st" -ne 0 ] || [ -n "$missing" ]; then
    fail "$name: heapguard $form: status $st; missing:$missing"; show "$name"
  else ok "$name"; fi
done
check
if cmp -s "$T/checkhelp_check___help.out" "$T/checkhelp_help_check.out"; then ok "help check = check --help"
else fail "heapguard help check differs from heapguard check --help"; fi
check; hg runhelp run --help
if [ "$st" -ne 0 ] || ! grep -q '^usage: heapguard run ' "$T/runhelp.out" || grep -q -- '--redzone' "$T/runhelp.out"; then
  fail "runhelp: heapguard run --help: status $st"; show runhelp
else ok runhelp; fi
# every default a command's help states is the library's (README's options table, which
# unit/options_doc checks against the library), but trace's output: the command turns
# on what HEAPGUARD_TRACE leaves off; and every option it lists is named in the README
# and in heapguard(1) (the README lacked check's --protect-min and stats' --signal)
sed 's/\\-/-/g' "$HG_ROOT/man/heapguard.1" >"$T/heapguard.1.txt"   # roff's \- is a -
for cmd in run check guard trace stats; do
  check; hg "defaults_$cmd" "$cmd" --help
  differ=""
  while read -r def var; do
    [ "$cmd:$var" = trace:TRACE ] && continue
    alt=$def
    case $def in yes) alt=1 ;; no) alt=0 ;; esac   # a boolean's words (--trace-children); a word's as it is
    grep -qF "| \`HEAPGUARD_$var\` | $def |" "$HG_ROOT/README.md" ||
      grep -qF "| \`HEAPGUARD_$var\` | $alt |" "$HG_ROOT/README.md" || differ+=" HEAPGUARD_$var ($def)"
  done < <(tr -s ' \n' ' ' <"$T/defaults_$cmd.out" | grep -o 'Default [^;]*; sets HEAPGUARD_[A-Z_]*' |
           sed 's/^Default \(.*\); sets HEAPGUARD_/\1 /')
  for flag in $(grep -o '^  \(-[a-z], \)\?--[a-z][a-z-]*' "$T/defaults_$cmd.out" | grep -o -- '--[a-z-]*'); do
    [ "$flag" = --help ] && continue
    grep -qE -- "(^|[^a-z-])$flag([^a-z-]|\$)" "$HG_ROOT/README.md" || differ+=" $flag (not in README.md)"
    grep -qE -- "(^|[^a-z-])$flag([^a-z-]|\$)" "$T/heapguard.1.txt" || differ+=" $flag (not in heapguard.1)"
  done
  if [ "$st" -ne 0 ] || [ -n "$differ" ]; then
    fail "defaults_$cmd: heapguard $cmd --help states defaults the README's table does not, or options undocumented:$differ"
  else ok "defaults_$cmd"; fi
done

# ---- exit status and signals forwarded -------------------------------------------
for code in 0 3 42 255; do
  expect "status_run_$code" "$code" "" run sh -c "exit $code"
  expect "status_check_$code" "$code" "" check "$PROBE" exit "$code"
done
expect status_run_true 0 "" run true
expect status_run_false 1 "" run false
# seen from bash, a death by signal S is 128+S
for sig in TERM KILL SEGV ABRT INT; do   # SIGINT: ignored by the CLI while waiting
  n=$(kill -l "$sig")
  expect "signal_run_$sig" $((128 + n)) "" run sh -c "kill -$sig \$\$"
  expect "signal_check_$sig" $((128 + n)) "" check "$PROBE" kill "$n"
done
# The CLI really dies by the signal (does not just exit 128+S): python sees -S for a
# death by signal and 128+S for an exit.
if command -v python3 >/dev/null; then
  for pair in 'kill -TERM $$:-15' 'kill -ABRT $$:-6' 'kill -INT $$:-2' 'exit 143:143'; do
    script=${pair%:*} want=${pair##*:}
    check
    got=$(python3 -c 'import subprocess, sys; print(subprocess.run([sys.argv[1], "run", "sh", "-c", sys.argv[2]]).returncode)' \
          "$HG" "$script" 2>"$T/pysig.err")
    if [ "$got" = "$want" ]; then ok "python sees returncode $got for: heapguard run sh -c '$script'"
    else fail "python sees returncode '$got' for: heapguard run sh -c '$script'; wanted $want"; sed 's/^/  | /' "$T/pysig.err"; fi
  done
else
  say "(no python3: death by signal vs exit 128+S not distinguished)"
fi
# No core file from the CLI itself when it re-raises SIGABRT, even with core dumps on
# (the program, running elsewhere, may leave one).  Needs a core_pattern that writes a
# file into the working directory.
if [[ $(cat /proc/sys/kernel/core_pattern 2>/dev/null) == core* ]]; then
  rm -rf "$T/coredir" "$T/childdir" && mkdir -p "$T/coredir" "$T/childdir"
  { ( cd "$T/coredir" && ulimit -c unlimited 2>/dev/null &&
      exec "$HG" run sh -c 'cd "$0" && kill -ABRT $$' "$T/childdir" ); } 2>/dev/null
  check
  if [ -n "$(ls -A "$T/coredir")" ]; then fail "the CLI dumped core: $(ls -A "$T/coredir")"
  else ok "no core file from the CLI (program's: $(ls -A "$T/childdir" | tr '\n' ' '))"; fi
  rm -rf "$T/coredir" "$T/childdir"
else
  say "(core_pattern is not a plain file name: the CLI's own core file not checked)"
fi

# SIGTERM sent to the CLI is passed on to the program; SIGINT sent to the CLI alone is
# ignored (the terminal sends it to the whole group).  Job control makes the
# background CLI start with SIGINT not ignored, as from a terminal.
signal_test() { # NAME SIGNAL-TO-CLI WANT-CLI-STATUS WANT-CHILD-ALIVE
  local name=$1 sig=$2 want=$3 alive_wanted=$4 pidfile=$T/$1.pid cpid pid i alive
  rm -f "$pidfile"
  set -m
  "$HG" run sh -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec sleep 30' "$pidfile" </dev/null &
  pid=$!
  set +m
  for i in $(seq 100); do [ -s "$pidfile" ] && break; sleep 0.05; done
  cpid=$(cat "$pidfile" 2>/dev/null)
  check
  if [ -z "$cpid" ]; then fail "$name: the program did not start"; kill -KILL "$pid" 2>/dev/null; wait "$pid"; return; fi
  kill -"$sig" "$pid"
  sleep 0.3
  if kill -0 "$cpid" 2>/dev/null; then alive=yes; else alive=no; fi
  [ "$alive" = yes ] && kill -TERM "$cpid"
  { wait "$pid"; } 2>/dev/null; st=$?
  if [ "$alive" != "$alive_wanted" ] || [ "$st" -ne "$want" ]; then
    fail "$name: after SIG$sig to the CLI: program alive $alive (wanted $alive_wanted), CLI status $(status_desc "$st") (wanted $want)"
  else ok "$name: SIG$sig to the CLI: program alive: $alive, status $st"; fi
}
signal_test sig_forward_TERM TERM 143 no 2>/dev/null
signal_test sig_forward_HUP HUP 129 no 2>/dev/null
signal_test sig_ignore_INT INT 143 yes 2>/dev/null
signal_test sig_ignore_QUIT QUIT 143 yes 2>/dev/null

# ---- LD_PRELOAD ------------------------------------------------------------------
expect preload_run 0 "LD_PRELOAD=$LIB
HEAPGUARD_MODE=run" run sh -c "$PRINT_ENV"
expect preload_check 0 "LD_PRELOAD=$LIB
HEAPGUARD_MODE=check" check "$PROBE" env
check; hg maps run cat /proc/self/maps
if [ "$st" -eq 0 ] && grep -q "$LIB\$" "$T/maps.out"; then ok "libheapguard.so mapped in the program"
else fail "maps: $LIB is not mapped in the program (status $st)"; show maps; fi
# an existing LD_PRELOAD is kept (a real library, so ld.so maps it)
if command -v gcc >/dev/null; then
  echo 'int hg_cli_test_other(void) { return 1; }' >"$T/other.c"
  gcc -shared -fPIC -o "$T/libother.so" "$T/other.c" || { say "FAIL: cannot build libother.so"; exit 1; }
  check
  LD_PRELOAD=$T/libother.so "$HG" run cat /proc/self/maps >"$T/maps2.out" 2>"$T/maps2.err"; st=$?
  if [ "$st" -eq 0 ] && grep -q "$LIB\$" "$T/maps2.out" && grep -q "$T/libother.so\$" "$T/maps2.out"; then
    ok "an existing LD_PRELOAD stays loaded"
  else fail "maps2: wanted both $LIB and libother.so mapped (status $st)"; show maps2; fi
fi
check
got=$(LD_PRELOAD="/x/a.so /x/b.so:/x/c.so" "$HG" run sh -c 'printf %s "$LD_PRELOAD"' 2>/dev/null)
if [ "$got" = "$LIB:/x/a.so /x/b.so:/x/c.so" ]; then ok "existing LD_PRELOAD kept: $got"
else fail "LD_PRELOAD='/x/a.so /x/b.so:/x/c.so' became '$got'"; fi
check
got=$(LD_PRELOAD="  " "$HG" run sh -c 'printf %s "$LD_PRELOAD"')
if [ "$got" = "$LIB" ]; then ok "blank LD_PRELOAD replaced"; else fail "blank LD_PRELOAD became '$got'"; fi

# ---- HEAPGUARD_* from the options --------------------------------------------------
all_set="LD_PRELOAD=$LIB
HEAPGUARD_ERROR_EXITCODE=7
HEAPGUARD_LEAK_CHECK=summary
HEAPGUARD_LOG_FILE=$T/report.%p.log
HEAPGUARD_MODE=check
HEAPGUARD_QUARANTINE=2MiB
HEAPGUARD_REDZONE=64
HEAPGUARD_STACK_DEPTH=20"
expect opts_equals 0 "$all_set" check --log-file="$T/report.%p.log" --leak-check=summary \
  --quarantine=2MiB --redzone=64 --stack-depth=20 --error-exitcode=7 "$PROBE" env
expect opts_separate 0 "$all_set" check --log-file "$T/report.%p.log" --leak-check summary \
  --quarantine 2MiB --redzone 64 --stack-depth 20 --error-exitcode 7 -- "$PROBE" env
# the last of a repeated option wins
expect opts_repeat 0 "LD_PRELOAD=$LIB
HEAPGUARD_MODE=check
HEAPGUARD_REDZONE=32" check --redzone=16 --redzone 32 "$PROBE" env
# every accepted form of each value reaches the program unchanged
for pair in leak-check:no leak-check:summary leak-check:full quarantine:0 quarantine:65536 \
            quarantine:64K quarantine:64k quarantine:64KiB quarantine:64KB quarantine:1G \
            quarantine:1GiB quarantine:100B quarantine:3M redzone:0 redzone:4096 redzone:4K \
            stack-depth:0 stack-depth:64 error-exitcode:0 error-exitcode:255 \
            log-file:relative.log log-file:-dash protect-min:0 protect-min:1M; do
  opt=${pair%%:*} val=${pair#*:}
  env=HEAPGUARD_$(tr 'a-z-' 'A-Z_' <<<"$opt")
  expect "value_${opt}_$val" 0 "LD_PRELOAD=$LIB
$(printf '%s\n' "$env=$val" HEAPGUARD_MODE=check | LC_ALL=C sort)" check "--$opt=$val" "$PROBE" env
done
# HEAPGUARD_* from the environment: kept unless an option overrides it
check
got=$(HEAPGUARD_REDZONE=128 HEAPGUARD_DECAY_MS=5 HEAPGUARD_MODE=check \
      "$HG" run sh -c 'env | grep ^HEAPGUARD_ | LC_ALL=C sort | tr "\n" " "')
if [ "$got" = "HEAPGUARD_DECAY_MS=5 HEAPGUARD_MODE=run HEAPGUARD_REDZONE=128 " ]; then ok "run keeps HEAPGUARD_*, sets MODE=run"
else fail "run with HEAPGUARD_* in the environment: the program saw '$got'"; fi
check
got=$(HEAPGUARD_REDZONE=128 HEAPGUARD_STACK_DEPTH=3 \
      "$HG" check --redzone=256 "$PROBE" env | tr "\n" " ")
if [ "$got" = "LD_PRELOAD=$LIB HEAPGUARD_MODE=check HEAPGUARD_REDZONE=256 HEAPGUARD_STACK_DEPTH=3 " ]; then ok "check: option overrides, others kept"
else fail "check --redzone=256 with HEAPGUARD_REDZONE=128 HEAPGUARD_STACK_DEPTH=3: the program saw '$got'"; fi

# ---- arguments, stdin, stdout, stderr reach the program untouched ----------------------
expect args 0 "[a b][--redzone=1][-h][][--]" check --redzone 32 "$PROBE" args 'a b' --redzone=1 -h '' --
expect args_run 0 "[a b][--][-x]" run sh -c 'printf "[%s]" "$@"' x 'a b' -- -x
expect dash_program 0 "[x]" run -- sh -c 'printf "[%s]" "$0"' x
check
got=$(printf 'in put\n' | "$HG" run sh -c 'cat; echo err >&2' 2>"$T/stdio.err")
if [ "$got" = "in put" ] && [ "$(cat "$T/stdio.err")" = err ]; then ok "stdin, stdout, stderr"
else fail "stdio: stdout '$got', stderr '$(cat "$T/stdio.err")'"; fi
# PATH search as a shell does
mkdir -p "$T/pathdir" && printf '#!/bin/sh\necho found "$@"\n' >"$T/pathdir/hg-cli-test-prog" &&
  chmod +x "$T/pathdir/hg-cli-test-prog"
check
got=$(PATH=$T/pathdir:$PATH "$HG" run hg-cli-test-prog 1 2)
if [ "$got" = "found 1 2" ]; then ok "PATH search"; else fail "PATH search: got '$got'"; fi
# "-" is a program name, not an option
cp "$T/pathdir/hg-cli-test-prog" "$T/pathdir/-"
check
got=$(PATH=$T/pathdir:$PATH "$HG" run - 3 2>&1)
if [ "$got" = "found 3" ]; then ok "a program named -"; else fail "heapguard run - 3: got '$got'"; fi

# ---- bad input: status 2, one line naming the problem ------------------------------
for c in foo; do
  usage_error "cmd_$c" "unknown command '$c'" "$c" touch @RAN@
done
usage_error top_unknown_opt "unknown option '--foo'" --foo touch @RAN@
usage_error version_args "'--version' takes no arguments" --version x
usage_error version_value "option '--version' takes no value" --version=1
usage_error top_help_value "option '--help' takes no value" --help=1
usage_error help_unknown "unknown command 'nope'" help nope
usage_error help_two "takes one command name" help check run
usage_error check_unknown "unknown option '--foo' for 'check' \\(see heapguard check --help\\)" check --foo touch @RAN@
usage_error check_unknown_val "unknown option '--foo' for 'check'" check --foo=1 touch @RAN@
usage_error check_short "unknown option '-x' for 'check'" check -x touch @RAN@
usage_error check_prefix "unknown option '--red' for 'check'" check --red=16 touch @RAN@
usage_error run_opt "unknown option '--redzone' for 'run'" run --redzone=16 touch @RAN@
usage_error help_value "'--help' takes no value" check --help=1
usage_error check_noprog "no program given to 'check'" check
usage_error check_noprog2 "no program given to 'check'" check --redzone=16 --
usage_error run_noprog "no program given to 'run'" run
usage_error needs_value "option '--redzone' needs a value" check --redzone
bad_values=(
  "log-file:" "leak-check:" "leak-check:yes" "leak-check:FULL" "leak-check:full "
  "quarantine:" "quarantine:abc" "quarantine:-1" "quarantine:64Mi" "quarantine:64MB2"
  "quarantine:1T" "quarantine:18446744073709551616" "quarantine:17179869184G" "quarantine: 1"
  "redzone:4097" "redzone:5K" "redzone:1.5" "redzone:0x10"
  "stack-depth:65" "stack-depth:-1" "stack-depth:1K" "stack-depth:" "stack-depth:twelve"
  "error-exitcode:256" "error-exitcode:-1" "error-exitcode:1e2" "error-exitcode:99999999999999999999999")
for pair in "${bad_values[@]}"; do
  opt=${pair%%:*} val=${pair#*:}
  re="bad value '$(sed 's/[][\.*^$+?(){}|]/\\&/g' <<<"$val")' for --$opt: expected "
  usage_error "bad_${opt}_$val" "$re" check "--$opt=$val" touch @RAN@
  usage_error "bad_sep_${opt}_$val" "$re" check "--$opt" "$val" touch @RAN@
done

# the other commands' bounded options: the largest is accepted, one more refused with the
# range (the library refuses the same values: tests/unit/options.c)
for c in "run sample-rate 1099511627776" "run sample-budget 1000000000" "run sample-max 1048576" \
         "run sample-quarantine 524288" "stats interval 3600000"; do
  read -r cmd opt max <<<"$c"
  env=HEAPGUARD_$(tr 'a-z-' 'A-Z_' <<<"$opt"); [ "$opt" = interval ] && env=HEAPGUARD_TIMELINE_MS
  check; hg "max_${opt}" "$cmd" "--$opt=$max" sh -c "printf %s \"\$$env\""
  if [ "$st" -eq 0 ] && [ "$(cat "$T/max_${opt}.out")" = "$max" ]; then ok "max_${opt}: $max accepted"
  else fail "max_${opt}: heapguard $cmd --$opt=$max: status $st"; show "max_${opt}"; fi
  usage_error "over_${opt}" "bad value '$((max + 1))' for --$opt: expected a whole number from 0 to $max" \
    "$cmd" "--$opt=$((max + 1))" touch @RAN@
  grep -q -- "$max" <("$HG" "$cmd" --help | tr -s ' \n' ' ') || { check; fail "heapguard $cmd --help does not state the largest --$opt ($max)"; }
done
usage_error bad_protect_min "bad value '1T' for --protect-min: expected a size" check --protect-min=1T touch @RAN@
# a 5000-byte value: shown by its first 64 bytes (the whole of it made one 5 KiB line)
usage_error bad_long "bad value '$(printf 'x%.0s' {1..64})\.\.\.' for --quarantine: expected a size in bytes" \
  check --quarantine="$(printf 'x%.0s' {1..5000})" touch @RAN@
# stats --signal: the library's syntax (numparse.h), never a fault's signal
for pair in USR1:USR1 sigusr2:sigusr2 10:10 off:off 0:0; do
  expect "signal_${pair%%:*}" 0 "${pair#*:}" stats --signal="${pair%%:*}" \
    sh -c 'printf %s "$HEAPGUARD_STATS_SIGNAL"; exec 2>/dev/null'
done
for v in SEGV 11 KILL 19 65 USR3 10x; do
  usage_error "signal_bad_$v" "bad value '$v' for --signal: expected a signal name such as USR1 or a number, not of a fault" \
    stats --signal="$v" touch @RAN@
done
usage_error guard_protect_min "unknown option '--protect-min' for 'guard'" guard --protect-min=0 touch @RAN@

# ---- program not found or not executable ----------------------------------------------
expect_exec() { # NAME STATUS MESSAGE ARGS...
  local name=$1 want=$2 msg=$3; shift 3
  check; hg "$name" "$@"
  if [ "$st" -ne "$want" ] || [ "$(cat "$T/$name.err")" != "$msg" ] || [ -s "$T/$name.out" ]; then
    fail "$name: status $st (wanted $want), stderr wanted: $msg"; show "$name"
  else ok "$name: $msg"; fi
}
expect_exec nope_path 127 "heapguard: ./nope: No such file or directory" run ./nope
expect_exec nope_check 127 "heapguard: ./nope: No such file or directory" check --redzone=32 ./nope
expect_exec nope_cmd 127 "heapguard: hg-no-such-command: command not found" run hg-no-such-command
printf '#!/bin/sh\necho hi\n' >"$T/noexec.sh" && chmod 644 "$T/noexec.sh"
expect_exec noexec 126 "heapguard: $T/noexec.sh: Permission denied" run "$T/noexec.sh"
expect_exec isdir 126 "heapguard: $T: Is a directory" run "$T"

# ---- the library: $HEAPGUARD_LIB, next to the binary, PREFIX/lib ------------------------
mkdir -p "$T/alt" && cp "$HG_LIB_SO" "$T/alt/hg-copy.so"
check
got=$(HEAPGUARD_LIB=$T/alt/hg-copy.so "$HG" run sh -c 'printf "%s " "$LD_PRELOAD"; grep -c "hg-copy.so$" /proc/$$/maps')
if [[ $got == "$T/alt/hg-copy.so "[1-9]* ]]; then ok "HEAPGUARD_LIB preloaded: $got"
else fail "HEAPGUARD_LIB=$T/alt/hg-copy.so: the program saw LD_PRELOAD and its count in maps: '$got'"; fi
check
got=$(cd "$T/alt" && HEAPGUARD_LIB=hg-copy.so "$HG" run sh -c 'printf %s "$LD_PRELOAD"')
if [ "$got" = "$T/alt/hg-copy.so" ]; then ok "relative HEAPGUARD_LIB made absolute"
else fail "HEAPGUARD_LIB=hg-copy.so (relative): LD_PRELOAD '$got', wanted $T/alt/hg-copy.so"; fi
check
HEAPGUARD_LIB=$T/alt/missing.so "$HG" run touch "$T/libmissing.ran" >"$T/libmissing.out" 2>"$T/libmissing.err"; st=$?
if [ "$st" -eq 2 ] && [ ! -e "$T/libmissing.ran" ] && grep -q "^heapguard: HEAPGUARD_LIB=$T/alt/missing.so" "$T/libmissing.err"; then
  ok "missing HEAPGUARD_LIB: $(cat "$T/libmissing.err")"
else fail "HEAPGUARD_LIB=missing.so: status $st"; show libmissing; fi
check
HEAPGUARD_LIB=$T/alt "$HG" run true >"$T/libdir.out" 2>"$T/libdir.err"; st=$?
if [ "$st" -eq 2 ]; then ok "HEAPGUARD_LIB=a directory: status 2"; else fail "HEAPGUARD_LIB=a directory: status $st"; show libdir; fi

# installed layout: PREFIX/bin/heapguard finds PREFIX/lib/libheapguard.so
p=$T/prefix
mkdir -p "$p/bin" "$p/lib" && cp "$HG" "$p/bin/" && cp "$HG_LIB_SO" "$p/lib/"
check
got=$("$p/bin/heapguard" run sh -c 'printf %s "$LD_PRELOAD"')
if [ "$got" = "$p/lib/libheapguard.so" ]; then ok "installed layout: $got"
else fail "installed layout: LD_PRELOAD '$got', wanted $p/lib/libheapguard.so"; fi
# a symlink to the binary (say in ~/bin) still finds the library next to the real one
mkdir -p "$T/links" && ln -sf "$p/bin/heapguard" "$T/links/heapguard"
check
got=$("$T/links/heapguard" run sh -c 'printf %s "$LD_PRELOAD"')
if [ "$got" = "$p/lib/libheapguard.so" ]; then ok "through a symlink: $got"
else fail "through a symlink: LD_PRELOAD '$got', wanted $p/lib/libheapguard.so"; fi
# no library anywhere: status 2, saying where it looked
mkdir -p "$T/lonely/bin" && cp "$HG" "$T/lonely/bin/"
check
"$T/lonely/bin/heapguard" run touch "$T/lonely.ran" >"$T/lonely.out" 2>"$T/lonely.err"; st=$?
if [ "$st" -eq 2 ] && [ ! -e "$T/lonely.ran" ] && grep -q "^heapguard: cannot find libheapguard.so: .*$T/lonely/bin" "$T/lonely.err"; then
  ok "no library: $(cat "$T/lonely.err")"
else fail "no library: status $st"; show lonely; fi
# a library path LD_PRELOAD cannot hold
mkdir -p "$T/with space" && cp "$HG_LIB_SO" "$T/with space/libheapguard.so"
check
HEAPGUARD_LIB="$T/with space/libheapguard.so" "$HG" run true >"$T/space.out" 2>"$T/space.err"; st=$?
if [ "$st" -eq 2 ] && grep -q 'space or colon' "$T/space.err"; then ok "library path with a space refused"
else fail "library path with a space: status $st"; show space; fi

# ---- the CLI is not in the library --------------------------------------------------------
check
if command -v nm >/dev/null && [ -f "$HG_LIB_A" ] && nm "$HG_LIB_A" 2>/dev/null | grep -Eq ' T (main|cli_[a-z_]+)$'; then
  fail "the CLI's code is in $HG_LIB_A"
else ok "CLI not in the library"; fi

# ---- make install / uninstall and the man page --------------------------------------------
inst=$T/install
if make -s -C "$HG_ROOT" BUILD="$rel" MODE="${MODE:-release}" install PREFIX="$inst" >"$T/install.log" 2>&1; then
  check
  if [ -x "$inst/bin/heapguard" ] && [ -f "$inst/share/man/man1/heapguard.1" ]; then ok "make install: bin/heapguard, man1/heapguard.1"
  else fail "make install did not install bin/heapguard and share/man/man1/heapguard.1"; fi
  check
  got=$("$inst/bin/heapguard" check --redzone=32 "$PROBE" env | tr '\n' ' ')
  if [ "$got" = "LD_PRELOAD=$inst/lib/libheapguard.so HEAPGUARD_MODE=check HEAPGUARD_REDZONE=32 " ]; then
    ok "installed heapguard runs: $got"
  else fail "installed heapguard: the program saw '$got'"; fi
  make -s -C "$HG_ROOT" BUILD="$rel" MODE="${MODE:-release}" uninstall PREFIX="$inst" >>"$T/install.log" 2>&1
  check
  if [ -z "$(find "$inst" -type f)" ]; then ok "make uninstall"
  else fail "make uninstall left: $(find "$inst" -type f | tr '\n' ' ')"; fi
else
  check; fail "make install failed:"; sed 's/^/  | /' "$T/install.log"
fi
man=$HG_ROOT/man/heapguard.1
if command -v nroff >/dev/null; then
  check
  nroff -man -ww "$man" >"$T/man.txt" 2>"$T/man.err"
  sed -i 's/.\x08//g' "$T/man.txt"
  missing=""
  for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS ENVIRONMENT "EXIT STATUS" EXAMPLES "SEE ALSO"; do
    grep -q "^$s" "$T/man.txt" || missing+=" section:$s"
  done
  for o in "${check_opts[@]}"; do
    IFS=: read -r opt def env <<<"$o"
    grep -q -- "--$opt=" "$T/man.txt" || missing+=" --$opt"
    grep -q "HEAPGUARD_$env" "$T/man.txt" || missing+=" HEAPGUARD_$env"
    [ "$def" = stderr ] && def="standard error"
    tr -s ' \n' ' ' <"$T/man.txt" | grep -- "--$opt=.*Default: $def\\. (HEAPGUARD_$env)" >/dev/null || missing+=" (--$opt default $def)"
  done
  grep -q 'heapguard(3)' "$T/man.txt" || missing+=" heapguard(3)"
  if [ -s "$T/man.err" ] || [ -n "$missing" ]; then
    fail "man page: missing:$missing"; sed 's/^/  nroff| /' "$T/man.err" | head
  else ok "man page renders, documents every option"; fi
fi

finish

#!/usr/bin/env bash
# Valgrind's command line, with `heapguard check` in place of `valgrind` (src/cli/valgrind.c),
# and -q/--quiet (HEAPGUARD_QUIET).  valgrind_options/leaky.c is clean, or overflows a
# block, loses one and keeps one reachable.  Checks:
#   * -q: a clean run prints nothing at all (status 0); with errors, the errors and the
#     loss record only, no LEAK SUMMARY or ERROR SUMMARY (status 99); the same with
#     --quiet, HEAPGUARD_QUIET=1, and in guard mode; the XML document stays complete;
#   * a typical Valgrind line (--tool=memcheck -q --leak-check=full --show-reachable=yes
#     --num-callers=30 --track-origins=yes --freelist-vol=N --redzone-size=N
#     --error-exitcode=3) runs the program: status 3, the reachable block shown, one line
#     saying --track-origins=yes is ignored;
#   * the renamed options set heapguard's variables (the program is `env`):
#     --num-callers=30 HEAPGUARD_STACK_DEPTH=30, above 64 64 with a line, --freelist-vol
#     HEAPGUARD_QUARANTINE, --redzone-size HEAPGUARD_REDZONE, --show-reachable=no
#     definite,possible, --show-possibly-lost adds possible to the kinds asked before or
#     takes it out; --track-origins=no, --leak-resolution=high, --vgdb=no and --log-fd=2
#     say nothing, --log-fd=9 and --fullpath-after= a line each;
#   * --tool=helgrind, an option neither knows, and Valgrind's options given to `run`
#     are refused (status 2).
. "$(dirname "$0")/lib.sh"
need gcc python3
no_heapguard_env
build_cli
build leaky gcc -O0 -g -o "$T/leaky" "$HG_ROOT/tests/programs/valgrind_options/leaky.c"

check() {   # check NAME CONDITION-RESULT(0/1) DETAIL
  HG_CHECKS=$((HG_CHECKS + 1))
  if [ "$2" = 0 ]; then say "ok: $1"; else fail "$1: $3"; sed 's/^/  | /' "$T/err" | head -n 20; fi
}
count() { grep -c -- "$1" "$T/err"; }

"$HG" check -q -- "$T/leaky" clean >"$T/out" 2>"$T/err"; st=$?
[ $st = 0 ] && [ ! -s "$T/err" ]; check "-q, clean: nothing printed" $? "status $st, $(wc -c <"$T/err") bytes on stderr"

for how in -q --quiet env guard; do
  case $how in
    env) env LD_PRELOAD="$HG_LIB_SO" HEAPGUARD_MODE=check HEAPGUARD_QUIET=1 "$T/leaky" bugs >"$T/out" 2>"$T/err"; st=$? ;;
    guard) "$HG" guard -q -- "$T/leaky" bugs >"$T/out" 2>"$T/err"; st=$? ;;
    *) "$HG" check $how -- "$T/leaky" bugs >"$T/out" 2>"$T/err"; st=$? ;;
  esac
  got="$st $(count 'ERROR: heap-buffer-overflow') $(count 'definitely lost in loss record') $(count 'SUMMARY')"
  [ "$got" = "99 1 1 0" ]; check "$how, errors: status, overflow, loss record, summaries: $got" $? "wanted 99 1 1 0"
done
"$HG" check -q -- "$T/leaky" clean >"$T/out" 2>"$T/err"
"$HG" check --quiet --xml=yes --xml-file="$T/doc.xml" -- "$T/leaky" bugs >"$T/out" 2>"$T/err"
got=$(python3 -c '
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
print(len(r.findall("error")), r.find("errorcounts") is not None, [s.findtext("state") for s in r.findall("status")][-1])' "$T/doc.xml" 2>&1)
[ "$got" = "2 True FINISHED" ]; check "-q --xml: errors, errorcounts, final status: $got" $? "wanted 2 True FINISHED"

"$HG" check --tool=memcheck -q --leak-check=full --show-reachable=yes --num-callers=30 --track-origins=yes \
    --freelist-vol=1000000 --redzone-size=64 --error-exitcode=3 -- "$T/leaky" bugs >"$T/out" 2>"$T/err"; st=$?
got="$st $(count 'still reachable in loss record') $(count "ignoring Valgrind's --track-origins=yes") $(count 'SUMMARY')"
[ "$got" = "3 1 1 0" ]; check "Valgrind's line: status, reachable record, note, summaries: $got" $? "wanted 3 1 1 0"

# setting OPTION... VARIABLE=VALUE [LINES]: the options, as `env` shows them; LINES on stderr
setting() {
  local want=$1 lines=$2; shift 2
  "$HG" check -q --leak-check=no "$@" -- env >"$T/out" 2>"$T/err"; st=$?   # (-q: only the notes on stderr)
  grep -qx -- "$want" "$T/out" && [ "$(wc -l <"$T/err")" = "$lines" ] && [ $st = 0 ]
  check "$* -> $want, $lines line(s)" $? "status $st, env has '$(grep "^${want%%=*}=" "$T/out")', stderr $(wc -l <"$T/err") line(s)"
}
setting HEAPGUARD_STACK_DEPTH=30 0 --num-callers=30
setting HEAPGUARD_STACK_DEPTH=64 1 --num-callers=500
setting HEAPGUARD_QUARANTINE=1000000 0 --freelist-vol=1000000
setting HEAPGUARD_REDZONE=64 0 --redzone-size=64
setting HEAPGUARD_SHOW_LEAK_KINDS=all 0 --show-reachable=yes
setting HEAPGUARD_SHOW_LEAK_KINDS=definite,possible 0 --show-reachable=no
setting HEAPGUARD_MODE=check 0 --track-origins=no --leak-resolution=high --tool=memcheck --undef-value-errors=no
setting HEAPGUARD_MODE=check 2 --track-fds=yes -v
setting HEAPGUARD_SHOW_LEAK_KINDS=definite,indirect,possible 0 --show-possibly-lost=yes
setting HEAPGUARD_SHOW_LEAK_KINDS=definite,indirect,reachable 0 --show-leak-kinds=all --show-possibly-lost=no
setting HEAPGUARD_SHOW_LEAK_KINDS=none 0 --show-leak-kinds=possible --show-possibly-lost=no
setting HEAPGUARD_MODE=check 0 --vgdb=no --log-fd=2 --default-suppressions=yes
setting HEAPGUARD_MODE=check 2 --log-fd=9 --fullpath-after=

refused() {   # refused COMMAND OPTION WORDS: status 2 and a line with WORDS
  "$HG" "$1" "$2" -- true >"$T/out" 2>"$T/err"; st=$?
  [ $st = 2 ] && grep -q -- "$3" "$T/err"; check "$1 $2 refused" $? "status $st"
}
refused check --tool=helgrind "memcheck"
refused check --no-such-option=1 "unknown option"
refused run --num-callers=20 "unknown option"
refused check --num-callers=many "bad value"
finish

#!/usr/bin/env bash
# --show-leak-kinds and --errors-for-leak-kinds (HEAPGUARD_SHOW_LEAK_KINDS,
# HEAPGUARD_ERRORS_FOR_LEAK_KINDS): which loss records check mode prints, and which
# count as errors.  leak_kinds/kinds.c leaves, from known lines: still reachable 500
# bytes (hold_big), 3 x 100 (hold_three); possibly lost 64, held by an interior pointer
# (hold_inside); definitely lost 48 (lose_list), indirectly lost 2 x 32 (two lines of
# lose_list).
# Checks:
#   * the defaults keep the old output: the 3 lost records as errors, no reachable one,
#     status 99, 3 errors;
#   * reachable: the 2 reachable records, largest first, each with its stack, and
#     right; not errors; the lost ones counted (status 99) but not printed (Valgrind's
#     rule: errors-for-leak-kinds counts what show-leak-kinds does not show);
#   * possible: the possibly lost record, with its stack; the summary's "possibly lost"
#     line (Valgrind's: the block was "still reachable" before, and no such line);
#   * all (the CLI form): 6 records numbered "of 6";
#   * errors-for-leak-kinds: definite leaves the indirect records printed without
#     "ERROR:", 1 error; none makes the leaking program exit 0, possible makes the
#     possibly lost block its one error (counted, not shown); reachable makes a program
#     that only holds memory at exit exit 99, and its records errors;
#   * --leak-check=summary: no record whatever is shown, the one summary error counts
#     the error kinds;
#   * bad values: refused by the CLI, ignored with a line from the environment.
. "$(dirname "$0")/lib.sh"
need gcc
no_heapguard_env
build_cli
SRC=$HG_ROOT/tests/programs/leak_kinds/kinds.c
build kinds gcc -O0 -g -o "$T/kinds" "$SRC"
line_of() { grep -n -- "$1" "$SRC" | head -n 1 | cut -d: -f1; }
L_THREE=$(line_of 'three\[i\] = malloc') L_BIG=$(line_of 'big = malloc') L_INSIDE=$(line_of 'inside = (char')

# check_run NAME [ENV=V...] [-- CLI OPTIONS]: runs kinds under check mode into $T/NAME.log
check_run() {
  local name=$1; shift
  local -a envs=() opts=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  while [ $# -gt 0 ] && [ "${1:0:2}" = -- ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  [ "${1:-}" = -- ] && shift
  env "${envs[@]}" "$HG" check --log-file="$T/$name.log" "${opts[@]}" -- "$T/kinds" "$@" >/dev/null 2>"$T/$name.err"
  st=$?
}
records() { grep -E 'bytes in [0-9]+ blocks are .* in loss record' "$T/$1.log" | sed 's/^==[0-9]*== //'; }
errors() { sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$T/$1.log"; }
expect() { # NAME STATUS ERRORS RECORDS
  HG_CHECKS=$((HG_CHECKS + 1))
  local got; got=$(records "$1")
  if [ "$st" != "$2" ] || [ "$(errors "$1")" != "$3" ] || [ "$got" != "$4" ]; then
    fail "$1: status $st, $(errors "$1") errors, records:"; say "$got" | sed 's/^/  | /'
    say "  wanted status $2, $3 errors, records:"; say "$4" | sed 's/^/  | /'
    sed 's/^/  log| /' "$T/$1.log" | head -n 40; sed 's/^/  err| /' "$T/$1.err" | head -n 5
  else say "ok: $1: status $st, $3 errors, $(printf '%s' "$4" | grep -c .) records"; fi
}
LOST="ERROR: memory-leak: 48 bytes in 1 blocks are definitely lost in loss record 1 of 3
ERROR: memory-leak: 32 bytes in 1 blocks are indirectly lost in loss record 2 of 3
ERROR: memory-leak: 32 bytes in 1 blocks are indirectly lost in loss record 3 of 3"

check_run default
expect default 99 3 "$LOST"

check_run reachable HEAPGUARD_SHOW_LEAK_KINDS=reachable
expect reachable 99 3 "500 bytes in 1 blocks are still reachable in loss record 1 of 5
300 bytes in 3 blocks are still reachable in loss record 2 of 5"
# each record's stack: the function and line that allocated its blocks
HG_CHECKS=$((HG_CHECKS + 1))
stacks=$(grep -A 2 'still reachable in loss record' "$T/reachable.log" | grep -o 'hold_[a-z]* (kinds.c:[0-9]*)' | tr '\n' ' ')
want="hold_big (kinds.c:$L_BIG) hold_three (kinds.c:$L_THREE) "
if [ "$stacks" != "$want" ]; then fail "reachable records' stacks: '$stacks', wanted '$want'"
else say "ok: reachable records' stacks: $stacks"; fi
HG_CHECKS=$((HG_CHECKS + 1))
if grep -q 'ERROR:' "$T/reachable.log" || ! grep -q 'still reachable: 800 bytes in 4 blocks' "$T/reachable.log" ||
   ! grep -q '  possibly lost: 64 bytes in 1 blocks' "$T/reachable.log"; then
  fail "show-leak-kinds=reachable: an ERROR line, or the summary changed"; sed 's/^/  | /' "$T/reachable.log" | tail -n 8
else say "ok: show-leak-kinds=reachable: no ERROR line; the summary's 800 bytes in 4 blocks, 64 possibly lost"; fi

check_run possible HEAPGUARD_SHOW_LEAK_KINDS=possible
expect possible 99 3 "64 bytes in 1 blocks are possibly lost in loss record 1 of 4"
HG_CHECKS=$((HG_CHECKS + 1))
stacks=$(grep -A 2 'possibly lost in loss record' "$T/possible.log" | grep -o 'hold_[a-z]* (kinds.c:[0-9]*)' | tr '\n' ' ')
if [ "$stacks" != "hold_inside (kinds.c:$L_INSIDE) " ]; then fail "the possibly lost record's stack: '$stacks'"
else say "ok: the possibly lost record's stack: $stacks"; fi

check_run all -- --show-leak-kinds=all
expect all 99 3 "500 bytes in 1 blocks are still reachable in loss record 1 of 6
300 bytes in 3 blocks are still reachable in loss record 2 of 6
64 bytes in 1 blocks are possibly lost in loss record 3 of 6
ERROR: memory-leak: 48 bytes in 1 blocks are definitely lost in loss record 4 of 6
ERROR: memory-leak: 32 bytes in 1 blocks are indirectly lost in loss record 5 of 6
ERROR: memory-leak: 32 bytes in 1 blocks are indirectly lost in loss record 6 of 6"

check_run errors-definite -- --errors-for-leak-kinds=definite
expect errors-definite 99 1 "ERROR: memory-leak: 48 bytes in 1 blocks are definitely lost in loss record 1 of 3
32 bytes in 1 blocks are indirectly lost in loss record 2 of 3
32 bytes in 1 blocks are indirectly lost in loss record 3 of 3"
check_run errors-none HEAPGUARD_ERRORS_FOR_LEAK_KINDS=none
expect errors-none 0 0 "${LOST//ERROR: memory-leak: /}"
check_run errors-possible HEAPGUARD_ERRORS_FOR_LEAK_KINDS=possible
expect errors-possible 99 1 "48 bytes in 1 blocks are definitely lost in loss record 2 of 4
32 bytes in 1 blocks are indirectly lost in loss record 3 of 4
32 bytes in 1 blocks are indirectly lost in loss record 4 of 4"   # the possible one counted, not shown

# A program that only holds memory at exit: clean by default, an error when asked.
check_run held -- reachable-only
expect held 0 0 ""
check_run held-errors -- --errors-for-leak-kinds=reachable -- reachable-only
expect held-errors 99 2 ""   # counted, not shown (show-leak-kinds is definite,indirect)
check_run held-shown -- --errors-for-leak-kinds=reachable --show-leak-kinds=reachable -- reachable-only
expect held-shown 99 2 "ERROR: memory-leak: 500 bytes in 1 blocks are still reachable in loss record 1 of 2
ERROR: memory-leak: 300 bytes in 3 blocks are still reachable in loss record 2 of 2"

# Summary mode: no records, one error for the error kinds' blocks.
summary_line() { grep -o 'ERROR: memory-leak: .*' "$T/$1.log"; }
for c in "sum-default||ERROR: memory-leak: 112 bytes in 3 blocks are lost (--leak-check=full shows where)|99" \
         "sum-definite|--errors-for-leak-kinds=definite|ERROR: memory-leak: 48 bytes in 1 blocks are definitely lost (--leak-check=full shows where)|99" \
         "sum-all|--errors-for-leak-kinds=all|ERROR: memory-leak: 976 bytes in 8 blocks are lost or still reachable (--leak-check=full shows where)|99" \
         "sum-possible|--errors-for-leak-kinds=possible|ERROR: memory-leak: 64 bytes in 1 blocks are possibly lost (--leak-check=full shows where)|99" \
         "sum-none|--errors-for-leak-kinds=none||0"; do
  IFS='|' read -r name opt want want_st <<<"$c"
  HG_CHECKS=$((HG_CHECKS + 1))
  check_run "$name" -- --leak-check=summary --show-leak-kinds=all $opt
  got=$(summary_line "$name")
  if [ "$got" != "$want" ] || [ "$st" != "$want_st" ] || grep -q 'loss record' "$T/$name.log"; then
    fail "$name: status $st, '$got'; wanted $want_st, '$want', no loss record"; sed 's/^/  | /' "$T/$name.log"
  else say "ok: $name: status $st, ${got:-no error}"; fi
done

# Pointers into blocks' middles (possible.cc): possibly lost, but where Valgrind's
# heuristics (length64, newarray) take them for pointers to the start; its records, and
# the totals beside Valgrind's when it is installed.
need g++
build possible g++ -O0 -g -o "$T/possible" "$HG_ROOT/tests/programs/leak_kinds/possible.cc"
HG_CHECKS=$((HG_CHECKS + 1))
"$HG" check --log-file="$T/possible.log" --show-leak-kinds=all -- "$T/possible" >/dev/null 2>&1
got=$(grep -o '[0-9]* bytes in [0-9]* blocks are [a-z ]* in loss' "$T/possible.log" | grep -v '^72704 ' | sort | tr '\n' ';')
want="116 bytes in 1 blocks are possibly lost in loss;28 bytes in 1 blocks are still reachable in loss;32 bytes in 1 blocks are possibly lost in loss;32 bytes in 1 blocks are possibly lost in loss;48 bytes in 1 blocks are still reachable in loss;64 bytes in 1 blocks are possibly lost in loss;8 bytes in 1 blocks are still reachable in loss;"
if [ "$got" != "$want" ] || ! grep -q '  possibly lost: 244 bytes in 4 blocks' "$T/possible.log" || grep -q 'ERROR:' "$T/possible.log"; then
  fail "possibly lost blocks: '$got'"; sed 's/^/  | /' "$T/possible.log" | grep -v '   at \|   by ' | head -n 20
else say "ok: possibly lost: 244 bytes in 4 blocks; length64 and newarray blocks reachable; no error"; fi
if type -P valgrind >/dev/null; then
  HG_CHECKS=$((HG_CHECKS + 1))
  valgrind --leak-check=full --show-leak-kinds=all "$T/possible" >/dev/null 2>"$T/possible.vg"
  vg=$(grep -o 'possibly lost: [0-9,]* bytes in [0-9]* blocks' "$T/possible.vg" | tr -d ,)
  hg=$(grep -o 'possibly lost: [0-9]* bytes in [0-9]* blocks' "$T/possible.log")
  if [ "$vg" != "$hg" ]; then fail "possibly lost: Valgrind '$vg', heapguard '$hg'"
  else say "ok: $hg, as Valgrind's"; fi
fi

# Bad values.
refuses show-leak-kinds "definite, indirect, possible and reachable" "" definitely "all,reachable" "definite,"
HG_CHECKS=$((HG_CHECKS + 1))
check_run bad-env HEAPGUARD_ERRORS_FOR_LEAK_KINDS=reachables
if ! grep -q 'heapguard: ignoring HEAPGUARD_ERRORS_FOR_LEAK_KINDS=reachables: expected definite' "$T/bad-env.err" || [ $st -ne 99 ]; then
  fail "HEAPGUARD_ERRORS_FOR_LEAK_KINDS=reachables: status $st"; sed 's/^/  | /' "$T/bad-env.err"
else say "ok: HEAPGUARD_ERRORS_FOR_LEAK_KINDS=reachables ignored, saying so, the default kept"; fi
finish

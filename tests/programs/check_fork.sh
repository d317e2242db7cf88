#!/usr/bin/env bash
# Check mode in fork children of a multi-threaded program (check_fork/forkthr.c):
#   * a child has only the forking thread: blocks the parent's other threads held in
#     registers alone at the fork are not reported lost there (the child exits 0, not
#     with the error exit code), but counted on a "parent threads' blocks" line; a
#     block another thread keeps in a local on its stack stays reachable (the stack is
#     still mapped in the child: a root);
#   * a child that leaks a block it allocated itself is reported and exits 99;
#   * the parent reports nothing (its exit-time scan stops its threads, registers
#     and all).
# Before the fix every child reported the holders' blocks definitely lost and exited 99.
. "$(dirname "$0")/lib.sh"
need gcc
no_heapguard_env
build forkthr.c gcc -O2 -g -pthread -Wall -Wextra -Werror -o "$T/forkthr" "$HG_ROOT/tests/programs/check_fork/forkthr.c"
count() { grep -c -- "$1" "$2" 2>/dev/null || true; }
bad=0
for run in 1 2 3; do
  HG_CHECKS=$((HG_CHECKS + 1))
  rm -f "$T/ft.log"
  { timeout -k 5 120 env HEAPGUARD_MODE=check HEAPGUARD_LOG_FILE="$T/ft.log" LD_PRELOAD="$HG_LIB_SO" \
      "$T/forkthr" 20 >"$T/ft.out" 2>"$T/ft.err"; } 2>/dev/null
  st=$?
  # 22 processes report: the parent, 20 clean children, the leaker (its 77 bytes alone).
  if [ "$st" -ne 0 ] || [ "$(cat "$T/ft.out")" != "clean 20 of 20, leaker 99" ] ||
     [ "$(count 'ERROR SUMMARY: 0 errors' "$T/ft.log")" -ne 21 ] ||
     [ "$(count 'ERROR SUMMARY: 1 errors' "$T/ft.log")" -ne 1 ] ||
     [ "$(count 'ERROR: memory-leak: 77 bytes in 1 blocks are definitely lost' "$T/ft.log")" -ne 1 ] ||
     [ "$(count 'ERROR: memory-leak' "$T/ft.log")" -ne 1 ] ||
     [ "$(count "parent threads' blocks: 201 bytes in 2 blocks" "$T/ft.log")" -ne 21 ]; then
    bad=$((bad + 1))
    fail "run $run: wanted 20 clean children, the leaker's 77 bytes alone reported (status $(status_desc "$st"))"
    sed 's/^/  | /' "$T/ft.out" | head -n 5; grep -A4 'ERROR' "$T/ft.log" | sed 's/^/  | /' | head -n 30
  fi
done
[ "$bad" -eq 0 ] && say "ok: fork children: the parent's threads' blocks are not leaks there, a child's own leak is"

# Forks while three threads malloc, realloc, calloc and free without pause
# (check_fork/churn.c): no child hangs on a lock a thread held at the fork, and each
# child's report is its own 55-byte leak alone (the blocks the parent's threads had in
# hand at the fork are not lost there).  Check and guard modes, 30 children each.
build churn.c gcc -O2 -g -pthread -Wall -Wextra -Werror -o "$T/churn" "$HG_ROOT/tests/programs/check_fork/churn.c"
for mode in check guard; do
  HG_CHECKS=$((HG_CHECKS + 1))
  rm -rf "$T/churn-$mode" && mkdir "$T/churn-$mode"
  { timeout -k 5 300 env HEAPGUARD_MODE=$mode HEAPGUARD_LOG_FILE="$T/churn-$mode/log.%p" LD_PRELOAD="$HG_LIB_SO" \
      "$T/churn" 30 >"$T/churn-$mode.out" 2>"$T/churn-$mode.err"; } 2>/dev/null
  st=$?
  leaks=$(grep -l '55 bytes in 1 blocks are definitely lost' "$T/churn-$mode"/log.* 2>/dev/null | wc -l)
  others=$(grep -h 'ERROR:' "$T/churn-$mode"/log.* 2>/dev/null | grep -vc 'memory-leak: 55 bytes in 1 blocks')
  if [ $st -ne 0 ] || [ "$(cat "$T/churn-$mode.out")" != "children 30 of 30 ended 99, 0 hung" ] ||
     [ "$leaks" -ne 30 ] || [ "$others" -ne 0 ]; then
    fail "$mode: forks among churning threads: status $(status_desc $st), '$(cat "$T/churn-$mode.out")', $leaks children's leak reports of 30, $others other errors"
    grep -h -A3 'ERROR:' "$T/churn-$mode"/log.* | grep -v '55 bytes' | head -n 12 | sed 's/^/  | /'
  else say "ok    $mode: 30 forks among churning threads, none hung, each child's own leak alone"; fi
done
finish

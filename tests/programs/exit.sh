#!/usr/bin/env bash
# Programs that end with _exit or _Exit (exit/*.c, dash, python's os._exit) get the
# exit-time work that exit() gets from the library's destructors: check mode's verify,
# leak scan, summary and error exit code, stats mode's table.  Checks:
#   * a leak in a program ending with _exit / _Exit is reported (with its exact size: the
#     scan reads the frame that called _exit, where a kept block is reachable), and the
#     error exit code replaces the status; the status stays when there are no errors
#     (HEAPGUARD_ERROR_EXITCODE=0), and stdio buffers stay unflushed, as _exit's are;
#   * a process reports once, whichever way it ends;
#   * quick_exit (libc's ends with its internal _exit) gets the work too, after the
#     program's at_quick_exit handlers (check and stats mode), and a vfork child that
#     calls it prints nothing; default mode: the status, no output;
#   * `sh -c` under dash (which ends with _exit) writes its summary to the log;
#   * stats mode prints the table at _exit (a C program, dash, python's os._exit);
#   * vfork and posix_spawn children that fail to exec and _exit print nothing, and the
#     parent's own report (it ends with _exit too) is intact;
#   * a forked child that calls _exit reports as one that calls exit() does;
#   * a SIGALRM handler calling _exit while the program is inside malloc never hangs
#     (check, guard and stats mode): the process ends with its status, the work done
#     or, when this thread held a lock it needs, cut short with a line saying so;
#   * _exit while other threads malloc and free: the work waits for their locks and
#     finishes (check, guard and stats mode), and the leak scan finds no leak;
#   * blocks other threads hold only in registers at exit (regs.c: running program
#     code, or inside the allocator) are not lost: the scan stops those threads with a
#     signal that puts their registers on their stacks (src/stop.c) (exit and _exit,
#     check and guard mode; every run failed before that);
#   * default mode: _exit changes nothing (status, no output).
. "$(dirname "$0")/lib.sh"
need gcc
D=$HG_ROOT/tests/programs/exit
no_heapguard_env
for p in leak child alarm threads regs; do
  opt=-O0; [ $p = regs ] && opt=-O2   # regs.c keeps its blocks in registers
  build $p.c gcc $opt -g -pthread -Wall -Wextra -Werror -o "$T/$p" "$D/$p.c"
done
check() { HG_CHECKS=$((HG_CHECKS + 1)); }
show() { sed 's/^/  | /' "$@" | head -n 30; }
count() { grep -c -- "$1" "$2" 2>/dev/null || true; }
# pre NAME ENV... -- CMD...: CMD preloaded with ENV, log in $T/NAME.log (%p for each
# process: NAME.log.PID), stdout in $T/NAME.out; sets st
pre() {
  local name=$1; shift
  local -a envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
  rm -f "$T/$name".log*
  { timeout -k 5 60 env "${envs[@]}" LD_PRELOAD="$HG_LIB_SO" "$@" >"$T/$name.out" 2>"$T/$name.err"; } 2>/dev/null
  st=$?
}
CHECK=(HEAPGUARD_MODE=check)

# ---- leaks and the error exit code at _exit ----
for how in _exit _Exit; do
  check
  pre "leak$how" "${CHECK[@]}" HEAPGUARD_LOG_FILE="$T/leak$how.log" -- "$T/leak" "$how" 3
  if [ "$st" -ne 99 ] || [ "$(count 'definitely lost: 40 bytes in 1 blocks' "$T/leak$how.log")" -ne 1 ] ||
     [ "$(count 'ERROR SUMMARY: 1 errors' "$T/leak$how.log")" -ne 1 ] || [ -s "$T/leak$how.out" ]; then
    fail "$how: wanted status 99, the 40-byte leak alone (the kept block reachable), one summary, no stdout (status $st)"
    show "$T/leak$how.log" "$T/leak$how.out"
  else say "ok: $how: the leak is reported, the error exit code replaces the status"; fi
done

check
pre leak_keep "${CHECK[@]}" HEAPGUARD_ERROR_EXITCODE=0 HEAPGUARD_LOG_FILE="$T/leak_keep.log" -- "$T/leak" _exit 3 errors
if [ "$st" -ne 3 ] || [ "$(count 'ERROR SUMMARY: 2 errors' "$T/leak_keep.log")" -ne 1 ]; then
  fail "_exit, error exit code 0: wanted status 3 and 2 errors (overflow, leak) (status $st)"; show "$T/leak_keep.log"
else say "ok: _exit with the error exit code 0 keeps the program's status"; fi

check
pre leak_clean "${CHECK[@]}" HEAPGUARD_LEAK_CHECK=no HEAPGUARD_LOG_FILE="$T/leak_clean.log" -- "$T/leak" _exit 4
if [ "$st" -ne 4 ] || [ "$(count 'ERROR SUMMARY: 0 errors' "$T/leak_clean.log")" -ne 1 ]; then
  fail "_exit without errors: wanted status 4 and a clean summary (status $st)"; show "$T/leak_clean.log"
else say "ok: _exit without errors keeps the status, with the summary"; fi

check
pre guard_leak HEAPGUARD_MODE=guard HEAPGUARD_LOG_FILE="$T/guard_leak.log" -- "$T/leak" _exit 3
if [ "$st" -ne 99 ] || [ "$(count 'definitely lost: 40 bytes in 1 blocks' "$T/guard_leak.log")" -ne 1 ]; then
  fail "guard mode, _exit: wanted status 99 and the leak (status $st)"; show "$T/guard_leak.log"
else say "ok: guard mode: _exit gets the leak scan and the error exit code"; fi

# ---- quick_exit: libc's ends with its internal _exit; the library's runs the work ----
# after the program's at_quick_exit handlers (which drop a 24-byte block: 64 bytes lost)
check
pre quick "${CHECK[@]}" HEAPGUARD_LOG_FILE="$T/quick.log" -- "$T/leak" quick_exit 3
if [ "$st" -ne 99 ] || [ "$(count 'definitely lost: 64 bytes in 2 blocks' "$T/quick.log")" -ne 1 ] ||
   [ "$(count 'ERROR SUMMARY: 2 errors' "$T/quick.log")" -ne 1 ] || [ -s "$T/quick.out" ]; then
  fail "quick_exit: wanted status 99, the 40- and 24-byte leaks (after the handler), one summary, no stdout (status $st)"
  show "$T/quick.log" "$T/quick.out"
else say "ok: quick_exit: the leaks are reported after the program's handlers, the error exit code replaces the status"; fi
check
pre quick_clean "${CHECK[@]}" HEAPGUARD_LEAK_CHECK=no HEAPGUARD_LOG_FILE="$T/quick_clean.log" -- "$T/leak" quick_exit 4
if [ "$st" -ne 4 ] || [ "$(count 'ERROR SUMMARY: 0 errors' "$T/quick_clean.log")" -ne 1 ]; then
  fail "quick_exit without errors: wanted status 4 and a clean summary (status $st)"; show "$T/quick_clean.log"
else say "ok: quick_exit without errors keeps the status, with the summary"; fi
check
pre quick_stats HEAPGUARD_STATS=text HEAPGUARD_STATS_FILE="$T/quick_stats.log" -- "$T/leak" quick_exit 6
if [ "$st" -ne 6 ] || [ "$(count 'heapguard stats for .*leak' "$T/quick_stats.log")" -ne 1 ]; then
  fail "stats mode, quick_exit: wanted status 6 and one table (status $st)"; show "$T/quick_stats.log" "$T/quick_stats.err"
else say "ok: stats mode: quick_exit prints the table, once"; fi
check
pre quick_default -- "$T/leak" quick_exit 7
if [ "$st" -ne 7 ] || [ -s "$T/quick_default.err" ] || [ -s "$T/quick_default.out" ]; then
  fail "default mode, quick_exit: wanted status 7 and no output (status $st)"; show "$T/quick_default.err"
else say "ok: default mode: quick_exit changes nothing"; fi

# ---- dash: `sh -c` ends with _exit ----
DASH=$(command -v dash || true)
if [ -n "$DASH" ]; then
  check
  pre dash "${CHECK[@]}" HEAPGUARD_LOG_FILE="$T/dash.log" -- "$DASH" -c 'echo hi; exit 3'
  if [ "$st" -ne 3 ] || [ "$(count 'ERROR SUMMARY: 0 errors' "$T/dash.log")" -ne 1 ] || [ "$(cat "$T/dash.out")" != hi ]; then
    fail "dash -c: wanted status 3, its output, and its summary in the log (status $st)"; show "$T/dash.log"
  else say "ok: dash -c (ends with _exit): the summary is in the log"; fi
  check
  pre dash_stats HEAPGUARD_STATS=text HEAPGUARD_STATS_FILE="$T/dash_stats.log" -- "$DASH" -c 'echo hi'
  if [ "$st" -ne 0 ] || [ "$(count 'heapguard stats for .*dash' "$T/dash_stats.log")" -ne 1 ]; then
    fail "dash -c, stats mode: wanted the table (status $st)"; show "$T/dash_stats.log" "$T/dash_stats.err"
  else say "ok: dash -c, stats mode: the table is printed"; fi
else say "dash is not installed: its checks are left out"; fi

# ---- stats mode ----
check
pre stats HEAPGUARD_STATS=text HEAPGUARD_STATS_FILE="$T/stats.log" -- "$T/leak" _exit 6
if [ "$st" -ne 6 ] || [ "$(count 'heapguard stats for .*leak.*at exit' "$T/stats.log")" -ne 1 ]; then
  fail "stats mode, _exit: wanted status 6 and one table (status $st)"; show "$T/stats.log" "$T/stats.err"
else say "ok: stats mode: _exit prints the table, once"; fi
check
pre timeline HEAPGUARD_TIMELINE="$T/timeline.jsonl" -- "$T/leak" _exit 6
if [ "$st" -ne 6 ] || [ "$(count '"final"' "$T/timeline.jsonl")" -ne 1 ]; then
  fail "timeline, _exit: wanted the final record (status $st)"; tail -c 300 "$T/timeline.jsonl"
else say "ok: timeline: _exit writes the final record"; fi
check
pre stats_exit HEAPGUARD_STATS=text HEAPGUARD_STATS_FILE="$T/stats_exit.log" -- "$T/leak" exit 6
if [ "$st" -ne 6 ] || [ "$(count 'heapguard stats for' "$T/stats_exit.log")" -ne 1 ]; then
  fail "stats mode, exit: wanted one table (status $st)"; show "$T/stats_exit.log"
else say "ok: stats mode: exit() still prints one table"; fi
# The interpreter itself, not a wrapper script (pyenv's shims are bash scripts).
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || true)
if [ -n "$PY" ]; then
  check
  pre py HEAPGUARD_STATS=text HEAPGUARD_STATS_FILE="$T/py.log" PYTHONMALLOC=malloc -- "$PY" -c 'import os; os._exit(5)'
  if [ "$st" -ne 5 ] || [ "$(count 'heapguard stats for' "$T/py.log")" -ne 1 ]; then
    fail "python os._exit, stats mode: wanted status 5 and the table (status $st)"; show "$T/py.log" "$T/py.err"
  else say "ok: python's os._exit: the stats table is printed"; fi
fi

# ---- children ----
# vfork and posix_spawn: the child shares the parent's memory; it must print nothing
# and leave the parent's state alone: one log file, the parent's, with its leak.  The
# same when a vfork child calls exit() instead of _exit (the library's destructors).
for how in vfork vfork-exit vfork-quick spawn; do
  check
  pre "$how" "${CHECK[@]}" HEAPGUARD_LOG_FILE="$T/$how.log.%p" -- "$T/child" "$how"
  files=("$T/$how".log.*)
  if [ "$st" -ne 99 ] || [ ${#files[@]} -ne 1 ] || [ "$(count 'ERROR SUMMARY' "${files[0]}")" -ne 1 ] ||
     [ "$(count 'definitely lost: 24 bytes in 1 blocks' "${files[0]}")" -ne 1 ] ||
     [ "$(grep -c '^==' "${files[0]}")" -ne "$(grep -c "^==${files[0]##*.}==" "${files[0]}")" ]; then
    fail "$how: wanted the parent's report alone (status $st)"; show "${files[@]}" "$T/$how.out"
  else say "ok: $how: the child that exits prints nothing, the parent's report is intact"; fi
done
# A forked child that calls _exit reports as one that calls exit() does: its own log.
for how in fork fork-exit; do
  check
  pre "$how" "${CHECK[@]}" HEAPGUARD_LOG_FILE="$T/$how.log.%p" -- "$T/child" "$how"
  files=("$T/$how".log.*)
  n=0; for f in "${files[@]}"; do n=$((n + $(count 'definitely lost: 24 bytes in 1 blocks' "$f"))); done
  if [ "$st" -ne 99 ] || [ ${#files[@]} -ne 2 ] || [ "$n" -ne 2 ] || [ "$(cat "$T/$how.out")" != "child status 99" ]; then
    fail "$how: wanted a report from each process, the child's status 99 (status $st)"; show "${files[@]}" "$T/$how.out"
  else say "ok: $how: parent and child each report"; fi
done

# ---- _exit from a signal handler, inside malloc ----
# Bounded: each run must end within 20 s (a lock wait the work cannot finish lasts 2 s).
for mode in check guard stats; do
  check
  runs=6 bad=0 cut=0 full=0
  for i in $(seq $runs); do
    case $mode in
      stats) envs=(HEAPGUARD_STATS=text HEAPGUARD_STATS_FILE="$T/alarm.log") ;;
      *) envs=(HEAPGUARD_MODE=$mode HEAPGUARD_LOG_FILE="$T/alarm.log") ;;
    esac
    rm -f "$T/alarm.log"
    { timeout -k 2 20 env "${envs[@]}" LD_PRELOAD="$HG_LIB_SO" "$T/alarm" $((2000 + i * 1700)) >/dev/null 2>&1; } 2>/dev/null
    s=$?
    if [ "$s" -ne 7 ]; then bad=$((bad + 1)); say "  run $i: status $(status_desc "$s")"; show "$T/alarm.log"; continue; fi
    if grep -q 'cut short\|not printed' "$T/alarm.log"; then cut=$((cut + 1))
    elif grep -q 'ERROR SUMMARY: 0 errors\|heapguard stats for' "$T/alarm.log"; then full=$((full + 1))
    else bad=$((bad + 1)); say "  run $i: neither the report nor the line saying it was cut short"; show "$T/alarm.log"; fi
  done
  if [ $bad -ne 0 ]; then fail "$mode: _exit from a signal handler: $bad of $runs runs went wrong"
  else say "ok: $mode: _exit from a signal handler during malloc: $runs runs ended with status 7 ($full reported, $cut cut short)"; fi
done

# ---- _exit while other threads allocate: every lock is contended, waited for, taken ----
# The leak scan stops the threads (src/stop.c): a block just allocated, still only in a
# running thread's register, is not lost (it was in about 1 run of 7 before).
for mode in check guard stats; do
  check
  case $mode in
    stats) envs=(HEAPGUARD_STATS=text HEAPGUARD_STATS_FILE="$T/threads.log"); want='heapguard stats for' ;;
    *) envs=(HEAPGUARD_MODE=$mode HEAPGUARD_LOG_FILE="$T/threads.log")
       want='definitely lost: 0 bytes in 0 blocks' ;;
  esac
  bad=0
  for i in 1 2 3; do
    rm -f "$T/threads.log"
    { timeout -k 2 30 env "${envs[@]}" LD_PRELOAD="$HG_LIB_SO" "$T/threads" 3 >/dev/null 2>&1; } 2>/dev/null
    s=$?
    if [ "$s" -ne 7 ] || [ "$(count "$want" "$T/threads.log")" -ne 1 ] || grep -q 'cut short\|not printed' "$T/threads.log"; then
      bad=$((bad + 1)); say "  run $i: status $(status_desc "$s")"; show "$T/threads.log"
    fi
  done
  if [ $bad -ne 0 ]; then fail "$mode: _exit while threads allocate: $bad of 3 runs hung or lost the report"
  else say "ok: $mode: _exit while 3 threads allocate: the full report, status 7 (3 runs)"; fi
done

# ---- blocks held only in other threads' registers at exit ----
# 2 threads loop on a block whose address is in a register alone, 2 hold one in a
# register across malloc/free calls, 2 more churn: nothing is lost, whichever way the
# process ends (5 runs each; before src/stop.c every run reported 4 blocks lost).
for mode in check guard; do
  for how in exit _exit; do
    check
    bad=0
    for i in 1 2 3 4 5; do
      rm -f "$T/regs.log"
      { timeout -k 2 30 env HEAPGUARD_MODE=$mode HEAPGUARD_LOG_FILE="$T/regs.log" LD_PRELOAD="$HG_LIB_SO" "$T/regs" $how 2 >/dev/null 2>&1; } 2>/dev/null
      s=$?
      if [ "$s" -ne 7 ] || [ "$(count 'definitely lost: 0 bytes in 0 blocks' "$T/regs.log")" -ne 1 ] ||
         [ "$(count 'ERROR SUMMARY: 0 errors' "$T/regs.log")" -ne 1 ]; then
        bad=$((bad + 1)); say "  run $i: status $(status_desc "$s")"; show "$T/regs.log"
      fi
    done
    if [ $bad -ne 0 ]; then fail "$mode, $how: blocks held in other threads' registers: $bad of 5 runs reported a leak"
    else say "ok: $mode, $how: blocks held in other threads' registers are not lost (5 runs)"; fi
  done
done

# ---- default mode: nothing changes ----
check
pre default -- "$T/leak" _exit 9
if [ "$st" -ne 9 ] || [ -s "$T/default.out" ] || [ -s "$T/default.err" ]; then
  fail "default mode: _exit(9) must give status 9 and no output (status $st)"; show "$T/default.out" "$T/default.err"
else say "ok: default mode: _exit only exits"; fi
finish

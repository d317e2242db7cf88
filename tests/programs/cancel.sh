#!/usr/bin/env bash
# A thread with a deferred cancellation pending (pthread_cancel) that calls malloc, free,
# mallinfo2, malloc_trim and malloc_stats runs on to its own cancellation point, in
# every mode: glibc's malloc is never a cancellation point.  Before the fix, libunwind's
# address checks (a write and a read on a pipe) cancelled the thread inside check and
# guard mode's first malloc, and mallinfo2's read of /proc/self/statm cancelled it
# holding the stats lock, so stats and trace mode hung at exit (cancel/pending.c).
# The same thread making heap errors (cancel/report.c: an overflow and a double free)
# in check, guard and sampled guard mode: each report runs to its end and the thread
# on to its cancellation point.  The report's symbolisation (libdw opening
# /proc/PID/auxv) cancelled it inside its first report, holding the report lock: the
# summary at exit waited for ever (every run timed out).
# The same thread forking (cancel/fork.c) with a log, stats file, trace or timeline
# named per process (%p): the child's fork handlers closed the parent's file with
# libc's close(2), a cancellation point, so the child ended inside fork (status 0, or
# SIGABRT in trace mode) instead of running on to its own _exit(7).  And
# HEAPGUARD_TRACE_CALLS, whose lines were written with libc's writev: pending.c's
# thread was cancelled inside malloc, holding the trace's lock (a hang).
. "$(dirname "$0")/lib.sh"
need gcc
no_heapguard_env
for p in pending report fork; do
  build $p.c gcc -O1 -g -pthread -Wall -Wextra -Werror -o "$T/$p" "$HG_ROOT/tests/programs/cancel/$p.c"
done
assert_preload_works
HG_CMD_TIMEOUT=30
run_both default "$T/pending"
HEAPGUARD_MODE=check run_both check "$T/pending"
HEAPGUARD_MODE=check HEAPGUARD_LOG_FILE="$T/check.%p.log" run_both check-log "$T/pending"
HEAPGUARD_MODE=guard run_both guard "$T/pending"
HEAPGUARD_SAMPLE_RATE=1 run_both sampled "$T/pending"
HEAPGUARD_STATS=text HEAPGUARD_STATS_FILE="$T/stats.log" run_both stats "$T/pending"
HEAPGUARD_TIMELINE="$T/timeline.jsonl" HEAPGUARD_TIMELINE_MS=1 run_both timeline "$T/pending"
HEAPGUARD_TRACE="$T/trace.log" run_both trace "$T/pending"
HEAPGUARD_TRACE="$T/trace-calls.log" HEAPGUARD_TRACE_CALLS=1 run_both trace-calls "$T/pending"
HEAPGUARD_MODE=check HEAPGUARD_LOG_FILE="$T/fork-check.%p.log" HEAPGUARD_LEAK_CHECK=no run_both fork-check "$T/fork"
HEAPGUARD_STATS=text HEAPGUARD_STATS_FILE="$T/fork-stats.%p" run_both fork-stats "$T/fork"
HEAPGUARD_TRACE="$T/fork-trace.%p" run_both fork-trace "$T/fork"
HEAPGUARD_TIMELINE="$T/fork-timeline.%p" run_both fork-timeline "$T/fork"
HEAPGUARD_TRACE="$T/fork-calls.log" HEAPGUARD_TRACE_CALLS=1 run_both fork-trace-calls "$T/fork"

# report NAME STATUS SUMMARY ENV...: report.c preloaded with ENV (30 s at most) must
# exit with STATUS, its thread cancelled after its reports, the log ending with SUMMARY
report() {
  local name=$1 want=$2 summary=$3; shift 3
  HG_CHECKS=$((HG_CHECKS + 1))
  { timeout -k 5 30 env "$@" HEAPGUARD_LOG_FILE="$T/$name.log" LD_PRELOAD="$HG_LIB_SO" "$T/report" \
      >"$T/$name.out" 2>"$T/$name.err"; } 2>/dev/null
  local st=$?
  if [ $st -ne "$want" ] || ! grep -q "ERROR SUMMARY: $summary" "$T/$name.log"; then
    fail "$name: wanted status $want and \"ERROR SUMMARY: $summary\", got status $(status_desc $st)"
    sed 's/^/  | /' "$T/$name.log" "$T/$name.out" | grep -v ' by ' | tail -n 12
  elif [ $st -ne 134 ] && [ "$(cat "$T/$name.out")" != "cancelled at 1" ]; then
    fail "$name: the thread was not cancelled at its own cancellation point: $(cat "$T/$name.out")"
  else say "ok    $name: reports whole, status $st"; fi
}
report report-check 99 "2 errors" HEAPGUARD_MODE=check
report report-guard 99 "2 errors" HEAPGUARD_MODE=guard
# sampled guard mode stops the process at its first heap error, after the report
report report-sampled 134 "1 errors" HEAPGUARD_SAMPLE_RATE=1
finish

#!/usr/bin/env bash
# A thread with a deferred cancellation pending (pthread_cancel) that calls malloc, free,
# mallinfo2, malloc_trim and malloc_stats runs on to its own cancellation point, in
# every mode: glibc's malloc is never a cancellation point.  Before the fix, libunwind's
# address checks (a write and a read on a pipe) cancelled the thread inside check and
# guard mode's first malloc, and mallinfo2's read of /proc/self/statm cancelled it
# holding the stats lock, so stats and trace mode hung at exit (cancel/pending.c).
. "$(dirname "$0")/lib.sh"
need gcc
for v in $(env | sed -n 's/^\(HEAPGUARD_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
gcc -O1 -g -pthread -Wall -Wextra -Werror -o "$T/pending" "$HG_ROOT/tests/programs/cancel/pending.c" \
  >"$T/build.log" 2>&1 || { fail "cannot build pending.c"; sed 's/^/  | /' "$T/build.log"; finish; }
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
finish

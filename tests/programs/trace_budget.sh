#!/usr/bin/env bash
# `heapguard trace` in sampled guard mode says when the sample budget
# (HEAPGUARD_SAMPLE_BUDGET, src/guard_sample.c) starts to bind and when it stops, in
# lines of the trace ("# sampled guard mode: over HEAPGUARD_SAMPLE_BUDGET ..." and
# "... the sample budget is full again ... (N skipped over it meanwhile)"), once each
# per episode: not at every sample skipped, nor at every token of a budget spent as
# fast as it refills.  Samples used to be skipped with no word in the trace (only the
# stats' count).  The program, at rate 1 (every malloc due) and a budget of 200 a
# second (bursts of 50): a burst of mallocs (spent), 600 ms of rest and 150 mallocs
# 5 ms apart (under the budget: full again), another burst (spent again).
. "$(dirname "$0")/lib.sh"
need gcc

cat >"$T/bursts.c" <<'C'
#include <stdlib.h>
#include <time.h>
static void nap(long ms) {
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}
static void burst(int n) {
  for (int i = 0; i < n; i++) {
    void *volatile p = malloc(32);
    free(p);
  }
}
int main(void) {
  burst(100000);
  nap(600);
  for (int i = 0; i < 150; i++) {
    burst(1);
    nap(5);
  }
  burst(100000);
  return 0;
}
C
build bursts.c gcc -O1 -o "$T/bursts" "$T/bursts.c"
HG_CHECKS=$((HG_CHECKS + 4))
HEAPGUARD_SAMPLE_RATE=1 HEAPGUARD_SAMPLE_BUDGET=200 HEAPGUARD_TRACE="$T/bursts.trace" \
  LD_PRELOAD="$HG_LIB_SO" timeout "$HG_CMD_TIMEOUT" "$T/bursts" >"$T/bursts.out" 2>&1
st=$?
[ "$st" = 0 ] || fail "status $(status_desc "$st"): $(head -n 3 "$T/bursts.out")"
grep -E '^heapguard\[[0-9]+\] [0-9]+\.[0-9]{6} # sampled guard mode: ' "$T/bursts.trace" >"$T/notes"
sed 's/^/  | /' "$T/notes"
spent='# sampled guard mode: over HEAPGUARD_SAMPLE_BUDGET \(200 samples a second\): samples due are skipped until the budget is full again$'
full='# sampled guard mode: the sample budget is full again: samples due are taken \(([0-9]+) skipped over it meanwhile\)$'
[ "$(wc -l <"$T/notes")" = 3 ] || fail "wanted 3 notes of the budget (spent, full again, spent), got $(wc -l <"$T/notes")"
sed -n 1p "$T/notes" | grep -Eq "$spent" || fail "the first note does not say the budget is spent"
sed -n 3p "$T/notes" | grep -Eq "$spent" || fail "the third note does not say the budget is spent again"
n=$(sed -n 2p "$T/notes" | sed -En "s/.*$full/\\1/p")
[ -n "$n" ] && [ "$n" -gt 1000 ] ||
  fail "the second note does not say the budget is full again, with the skipped samples of the burst (> 1000): '${n}'"
finish

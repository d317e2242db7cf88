#!/usr/bin/env bash
# Sampled guard mode's budget (HEAPGUARD_SAMPLE_BUDGET, src/guard_sample.c): at most B
# samples a second with a burst of B/4, so that a program making millions of mallocs a
# second pays B samples a second, not its malloc rate / N.  Counted by the stats
# (kinds.guarded.allocated: samples taken; .skipped: due but over budget), not timed:
#   fast   mallocs and frees as fast as it can for 0.4 s, every malloc due (rate 1, and
#          rate 10): at budget 200 it takes at most 200 x its lifetime + 50 samples (+3:
#          the coarse clock lags by a tick)
#          (and at least half that: the bucket refills); at budget 0 (no bound) ten
#          times more, none skipped; at rate 1 the budget spent, a thread's countdown
#          backs off (up to 64 mallocs), so at most mallocs / 32 + 10 a sample skipped
#   slow   50 mallocs 20 ms apart (50 a second) at rate 1 and budget 200: every one
#          sampled, none skipped
. "$(dirname "$0")/lib.sh"
need gcc

cat >"$T/budget.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}
int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "slow") == 0) {
    struct timespec gap = { 0, 20 * 1000 * 1000 };
    for (int i = 0; i < 50; i++) {
      char *volatile p = malloc(24);
      p[0] = 1;
      free(p);
      nanosleep(&gap, NULL);
    }
    return 0;
  }
  double end = now() + 0.4;
  long n = 0;
  do {
    n += 1000;
    for (int i = 0; i < 1000; i++) {
      char *volatile p = malloc(24);
      p[0] = 1;
      free(p);
    }
  } while (now() < end);
  printf("%ld\n", n);
  return 0;
}
C
build budget.c gcc -O1 -g -fno-builtin -o "$T/budget" "$T/budget.c"

# run NAME RATE BUDGET MODE: sets taken, skipped, ms (the process's lifetime, at most)
run() {
  local t0 t1
  t0=$(date +%s%N)
  HEAPGUARD_SAMPLE_RATE=$2 HEAPGUARD_SAMPLE_BUDGET=$3 HEAPGUARD_STATS=json HEAPGUARD_STATS_FILE="$T/$1.json" \
    LD_PRELOAD="$HG_LIB_SO" timeout 120 "$T/budget" "$4" >"$T/$1.out" 2>"$T/$1.err"
  local st=$?
  t1=$(date +%s%N)
  ms=$(((t1 - t0) / 1000000))
  HG_CHECKS=$((HG_CHECKS + 1))
  [ "$st" = 0 ] || { fail "$1: status $(status_desc "$st"): $(head -c 300 "$T/$1.err")"; taken=-1 skipped=-1; return 1; }
  read -r taken skipped < <(sed -nE 's/.*"guarded":\{[^}]*"allocated":([0-9]+),"skipped":([0-9]+)\}.*/\1 \2/p' "$T/$1.json")
  [ -n "${taken:-}" ] || { fail "$1: no kinds.guarded.allocated/skipped in the stats"; taken=-1 skipped=-1; return 1; }
  say "$1: rate $2, budget $3: $(cat "$T/$1.out") mallocs, $taken samples taken, $skipped skipped in $ms ms"
}

for rate in 1 10; do
  if run fast$rate $rate 200 fast; then
    most=$((50 + 200 * ms / 1000 + 3)) least=$(((50 + 200 * 400 / 1000) / 2))
    if [ "$taken" -gt "$most" ]; then fail "fast$rate: $taken samples in $ms ms at a budget of 200 a second (at most $most)"
    elif [ "$taken" -lt "$least" ]; then fail "fast$rate: only $taken samples in $ms ms at a budget of 200 a second: the bucket does not refill (at least $least)"
    elif [ "$skipped" -eq 0 ]; then fail "fast$rate: no sample counted as skipped over budget"
    elif [ "$rate" = 1 ] && [ "$skipped" -gt $(($(cat "$T/fast$rate.out") / 32 + 10 * taken)) ]; then
      fail "fast1: $skipped samples skipped for $(cat "$T/fast$rate.out") mallocs: the clock is read on every malloc while the budget is spent (at most mallocs / 32 + 10 per sample taken)"
    else say "ok    fast$rate: $taken samples <= $most"; fi
    bounded=$taken
    if run fast${rate}_unbounded $rate 0 fast; then
      if [ "$taken" -lt $((10 * bounded)) ] || [ "$skipped" -ne 0 ]; then
        fail "fast${rate}_unbounded: $taken samples ($skipped skipped) at budget 0: expected more than $((10 * bounded)), none skipped"
      else say "ok    fast${rate}_unbounded: $taken samples, none skipped"; fi
    fi
  fi
done

if run slow 1 200 slow; then
  if [ "$skipped" -ne 0 ] || [ "$taken" -lt 50 ]; then
    fail "slow: 50 mallocs in a second at rate 1 under a budget of 200: $taken samples, $skipped skipped (every one should be sampled)"
  else say "ok    slow: every malloc sampled ($taken), none skipped"; fi
fi
finish

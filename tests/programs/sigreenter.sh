#!/usr/bin/env bash
# A signal handler that calls malloc while its thread is inside the allocator (malloc
# is not async-signal-safe; glibc aborts or deadlocks).  heapguard must never hang:
#   * xfsz.c: deterministic — HEAPGUARD_TRACE's write, made under the region lock while
#     the heap grows, raises SIGXFSZ (RLIMIT_FSIZE), whose handler needs the region
#     lock: the process aborts with a message saying why (lock.c), in default and check
#     mode, where it used to wait for ever for its own lock; without the trace it runs
#     as under glibc;
#   * storm.c: a SIGALRM handler that mallocs, every 100 us, for 1 s, in default, check,
#     sampled guard (1 in 100 and 1 in 1) and full guard mode: the program finishes, or
#     aborts with that message; a hang or any other end fails.  Sampled guard mode
#     (1 in 100) used to hang within a second: a sampled allocation in the handler
#     waited for the lock the interrupted sampled free held; such a request is now not
#     sampled (check.c), so it mostly finishes (it aborts when the signal finds the
#     thread in one of the default allocator's locks, as in default mode).
. "$(dirname "$0")/lib.sh"
need gcc
no_heapguard_env
for p in xfsz storm; do
  build $p.c gcc -O1 -g -Wall -Wextra -Werror -o "$T/$p" "$HG_ROOT/tests/programs/sigreenter/$p.c"
done
assert_preload_works
HG_CMD_TIMEOUT=20   # (expect_end's limit, for status_desc)
MSG='heapguard: the allocator was called again by a thread already inside it'

# expect_end NAME FINISH_OK ENV... -- CMD...: run preloaded (20 s at most); pass if it
# aborted (SIGABRT) with MSG on stderr, or (FINISH_OK=1) exited 0 printing "done"
expect_end() {
  local name=$1 finish_ok=$2; shift 2
  local -a envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
  HG_CHECKS=$((HG_CHECKS + 1))
  { timeout -k 5 20 env "${envs[@]}" LD_PRELOAD="$HG_LIB_SO" "$@" >"$T/$name.out" 2>"$T/$name.err"; } 2>/dev/null
  local st=$?
  if [ $st -eq 134 ] && grep -q "$MSG" "$T/$name.err"; then
    say "ok    $name: aborted, saying why"
  elif [ $st -eq 0 ] && [ "$finish_ok" = 1 ] && grep -qx done "$T/$name.out"; then
    say "ok    $name: finished ($(tail -n 1 "$T/$name.err"))"
  else
    fail "$name: status $(status_desc $st)"; sed 's/^/  | /' "$T/$name.err" | tail -n 12
  fi
}

run_both xfsz-untraced "$T/xfsz" "$T/no-such-file"
: >"$T/trace.log"
expect_end xfsz-default 0 HEAPGUARD_TRACE="$T/trace.log" -- "$T/xfsz" "$T/trace.log"
: >"$T/trace-check.log"
expect_end xfsz-check 0 HEAPGUARD_MODE=check HEAPGUARD_TRACE="$T/trace-check.log" -- "$T/xfsz" "$T/trace-check.log"
expect_end storm-default 1 -- "$T/storm" 1
expect_end storm-check 1 HEAPGUARD_MODE=check -- "$T/storm" 1
expect_end storm-guard 1 HEAPGUARD_MODE=guard -- "$T/storm" 1
expect_end storm-sampled-1 1 HEAPGUARD_SAMPLE_RATE=1 -- "$T/storm" 1
# sampled 1 in 100, three times (the mode the storm hung most often)
for i in 1 2 3; do
  expect_end storm-sampled-100.$i 1 HEAPGUARD_SAMPLE_RATE=100 -- "$T/storm" 1
done
finish

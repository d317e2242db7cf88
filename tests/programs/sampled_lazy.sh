#!/usr/bin/env bash
# Sampled guard mode loads its unwinder (libunwind, with liblzma, its rule table and
# caches: about 225 KiB resident) at the first sample, not at start, so that a process
# that never samples does not pay for it.  Checks:
#   * at a rate that never samples, a process's mallocs leave libunwind unmapped;
#   * with every malloc sampled, a use after free of the process's first sample (nothing
#     loaded it before) is reported with its allocation and free stacks symbolised,
#     from the program's frames (none of heapguard's own code, wherever its segments).
. "$(dirname "$0")/lib.sh"
need gcc
gcc -O0 -g -o "$T/probe" "$HG_ROOT/tests/programs/sampled_lazy/probe.c" ||
  { fail "cannot build the probe"; finish; }

# probe_run NAME RATE ARG: run the probe sampled; $st, $T/NAME.out, .log
probe_run() {
  HG_CHECKS=$((HG_CHECKS + 1))
  rm -f "$T/$1.log"
  HEAPGUARD_MODE=run HEAPGUARD_SAMPLE_RATE=$2 HEAPGUARD_LOG_FILE="$T/$1.log" \
    LD_PRELOAD="$HG_LIB_SO" "$T/probe" "$3" >"$T/$1.out" 2>"$T/$1.err"
  st=$?
  touch "$T/$1.log"
}
show() { sed 's/^/  | /' "$T/$1.out" "$T/$1.err" "$T/$1.log" | head -n 40; }

probe_run never 1000000000 never
if [ $st -ne 0 ] || ! grep -qx 'libunwind not mapped' "$T/never.out"; then
  fail "a sampled process that never samples: wanted libunwind unmapped, status 0 (status $st)"
  show never
else say "ok: a sampled process that never samples does not map libunwind"; fi

probe_run first 1 first
if [ $st -ne 99 ] || ! grep -qx 'before: libunwind not mapped' "$T/first.out" ||
   ! grep -q 'ERROR: heap-use-after-free' "$T/first.log" ||
   ! grep -Eq 'by 0x[0-9a-f]+: alloc_here \(probe\.c:[0-9]+\)' "$T/first.log" ||
   ! grep -Eq 'by 0x[0-9a-f]+: free_here \(probe\.c:[0-9]+\)' "$T/first.log" ||
   [ "$(grep -Ec 'by 0x[0-9a-f]+: main \(probe\.c:[0-9]+\)' "$T/first.log")" -ne 2 ] ||
   grep -Eq 'by 0x[0-9a-f]+: [a-z_]+ \((api|heap|guard|check|stack)\.c' "$T/first.log"; then
  fail "the first sample's use after free: wanted libunwind unmapped before it, a report with the free and allocation stacks (without heapguard's own frames), status 99 (status $st)"
  show first
else say "ok: the first sample's use after free is reported with its stacks"; fi
finish

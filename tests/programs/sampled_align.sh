#!/usr/bin/env bash
# Sampled guard mode's alignment.  Sampled mode runs in production, so a sampled block
# must be what glibc would give: 16-byte aligned whatever its size (clang zeroes a new'd
# 40-byte object with aligned SSE stores, which take a general-protection fault on an
# 8-aligned block: a crash of a correct program).  HEAPGUARD_SAMPLE_ALIGN (16) says so;
# a lower value brings a block's end closer to its guard page, and a fault that value
# causes is named in a warning.  Checks, every malloc sampled (HEAPGUARD_SAMPLE_RATE=1):
#   * every size from 1 to 4096 from malloc, calloc and realloc is 16-byte aligned;
#   * the aligned SSE stores into a 40-byte block run;
#   * with HEAPGUARD_SAMPLE_ALIGN=8 they fault, and the warning names the setting and
#     the mode ("sampled guard mode", not "guard mode");
#   * an off-by-one write into the slack a 16-aligned 24-byte block leaves before its
#     guard page is still reported, at the block's free, with the allocation stack.
. "$(dirname "$0")/lib.sh"
need gcc
gcc -O0 -g -o "$T/probe" "$HG_ROOT/tests/programs/sampled_align/probe.c" ||
  { fail "cannot build the probe"; finish; }

# probe_run NAME [VAR=value...] -- ARG: run the probe sampled; $st, $T/NAME.out, .log
probe_run() {
  local name=$1; shift
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  HG_CHECKS=$((HG_CHECKS + 1))
  rm -f "$T/$name.log"
  env -u HEAPGUARD_SAMPLE_ALIGN HEAPGUARD_MODE=run HEAPGUARD_SAMPLE_RATE=1 \
    HEAPGUARD_LOG_FILE="$T/$name.log" "${envs[@]}" LD_PRELOAD="$HG_LIB_SO" \
    "$T/probe" "$@" >"$T/$name.out" 2>"$T/$name.err"
  st=$?
  touch "$T/$name.log"
}
show() { sed 's/^/  | /' "$T/$1.out" "$T/$1.err" "$T/$1.log" | head -n 30; }

probe_run align -- align
if [ $st -ne 0 ] || ! grep -qx 'misaligned: 0' "$T/align.out"; then
  fail "sampled blocks not 16-byte aligned (status $st)"; show align
else say "ok: every sampled block of 1..4096 bytes is 16-byte aligned"; fi

probe_run sse -- sse
if [ $st -ne 0 ] || ! grep -qx stored "$T/sse.out" || grep -q ERROR "$T/sse.log"; then
  fail "aligned SSE stores into a sampled 40-byte block: status $st"; show sse
else say "ok: aligned SSE stores into a sampled 40-byte block run"; fi

probe_run sse8 HEAPGUARD_SAMPLE_ALIGN=8 -- sse
if [ $st -ne 139 ] || ! grep -q 'WARNING: sampled guard mode: a general-protection fault' "$T/sse8.log" ||
   ! grep -q 'as HEAPGUARD_SAMPLE_ALIGN=8 (--sample-align=8) asks (glibc: 16); the default, HEAPGUARD_SAMPLE_ALIGN=16, avoids it' "$T/sse8.log"; then
  fail "HEAPGUARD_SAMPLE_ALIGN=8: wanted a SIGSEGV (139) and a warning naming HEAPGUARD_SAMPLE_ALIGN=8 and 16, got status $st"
  show sse8
else say "ok: HEAPGUARD_SAMPLE_ALIGN=8 faults on the SSE store, with the warning"; fi

probe_run slack -- slack
if [ $st -ne 134 ] ||
   ! grep -q 'ERROR: heap-buffer-overflow: write past the end of a 24-byte block' "$T/slack.log" ||
   ! grep -Eq "by 0x[0-9a-f]+: main \(probe\.c:4[0-9]\)" "$T/slack.log"; then
  fail "off-by-one write into a sampled block's slack: wanted a report at free and SIGABRT (134), got status $st"
  show slack
else say "ok: a write into the slack is reported at free"; fi
finish

#!/usr/bin/env bash
# The stack depot after a transient shortage of address space (check mode): a program
# stores new stacks under an RLIMIT_AS that leaves no room for the depot's next chunk,
# raises the limit again, then makes a bug.  The report must show where the block was
# allocated: the depot tries again (once per 1024 refused stacks), where it used to stay
# off for the rest of the run ("(no stack recorded)" in every later report).  Stacks
# come from a 4-way call tree 10 deep: 400,000 distinct ones, 5.6 MiB of records (more
# than the depot's first chunks: 1, 2 MiB; it used to be one chunk of 16 MiB, so the
# program stores stacks until it fills that too).
. "$(dirname "$0")/lib.sh"
need gcc

cat >"$T/retry.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "vm_size.h"
#define MiB ((size_t)1 << 20)
/* A distinct stack for each value of path: one of four call sites per level. */
__attribute__((noinline)) static void leaf(void) { free(malloc(16)); __asm__ volatile("" ::: "memory"); }
__attribute__((noinline)) static void tree(unsigned path, int depth) {
  if (depth == 0) { leaf(); __asm__ volatile("" ::: "memory"); return; }
  switch (path & 3) {
  case 0: tree(path >> 2, depth - 1); break;
  case 1: tree(path >> 2, depth - 1); break;
  case 2: tree(path >> 2, depth - 1); break;
  default: tree(path >> 2, depth - 1); break;
  }
  __asm__ volatile("" ::: "memory");
}
__attribute__((noinline)) static void refused(void) { free(malloc(24)); __asm__ volatile("" ::: "memory"); }
__attribute__((noinline)) static char *overflowed_block(void) { return malloc(10); }
int main(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_max != RLIM_INFINITY) return 77;
  free(malloc(100));
  rl.rlim_cur = vm_size() + 8 * MiB;
  if (setrlimit(RLIMIT_AS, &rl) != 0) return 77;
  for (unsigned path = 0; path < 400000; path++) tree(path, 10);
  rl.rlim_cur = RLIM_INFINITY;   /* the shortage passes */
  if (setrlimit(RLIMIT_AS, &rl) != 0) return 77;
  for (int i = 0; i < 3000; i++) refused();
  char *volatile p = overflowed_block();
  p[10] = 1;
  free(p);
  puts("done");
  return 0;
}
C
build retry.c gcc -O1 -g -fno-builtin -fno-omit-frame-pointer -I"$HG_ROOT/tests/common" -o "$T/retry" "$T/retry.c"
HG_CHECKS=$((HG_CHECKS + 1))
HEAPGUARD_MODE=check HEAPGUARD_QUARANTINE=64K HEAPGUARD_LEAK_CHECK=no HEAPGUARD_LOG_FILE="$T/retry.log" \
  LD_PRELOAD="$HG_LIB_SO" timeout 300 "$T/retry" >"$T/retry.out" 2>"$T/retry.err"
st=$?
say "status $(status_desc "$st"); stderr: $(head -n 3 "$T/retry.err" | tr '\n' ' ')"
say "report: $(grep -A 6 'after the end\|overflow\|Invalid' "$T/retry.log" | head -n 8 | tr '\n' '|')"
[ "$st" = 77 ] && { say "RLIMIT_AS cannot be set here"; exit 77; }
grep -q 'no memory for the stack depot' "$T/retry.err" "$T/retry.log" ||
  fail "the depot never ran out of memory under the limit: the test does not test the retry"
grep -q 'overflowed_block' "$T/retry.log" ||
  fail "after the limit was raised, the report has no allocation stack: $(grep -c 'no stack recorded' "$T/retry.log") '(no stack recorded)'"
finish

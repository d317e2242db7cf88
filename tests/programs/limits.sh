#!/usr/bin/env bash
# Running out of address space (RLIMIT_AS, `ulimit -v`) in check mode: the library must
# fail cleanly and say true things.
#  1. A limit that lets the program start but not check mode load libunwind: the line
#     on stderr says libunwind cannot be loaded and why, not that it is "not found"
#     (which sent the user to install a package they have).  The limit is searched
#     for, from 4 MiB up by 128 KiB: the first one at which a libunwind line appears.
#  2. Memory freed under a limit can be allocated again in check and guard modes, as
#     with glibc: the quarantine held the freed blocks (64 MiB), so after a program
#     filled its headroom with 1 MiB blocks and freed them all, malloc(8 MiB) failed.
#     Now a request the kernel refuses lets the quarantine go first (check.c, drain).
#  3. A request no allocator could satisfy (1 TiB) fails with ENOMEM in guard mode
#     without the warning that blocks now get redzones instead of guard pages (it was
#     printed, once, and then missing when the mapping limit really was reached).
#  4. At vm.max_map_count: tests/api/map_count_limit.c (a munmap the kernel refuses, as
#     it splits a merged mapping, aborted the program) in check, guard and sampled
#     guard modes; tests/run.sh runs it in the default mode.
#  5. The leak scan at exit after a program ran out of address space and freed what it
#     had: its tables were sized by every record, the quarantined blocks' too (700,000
#     records, 22 MiB), and "leak check skipped: no memory for the scan" hid the leak.
#     Now they are sized by the live blocks (a few: none mapped).
#  6. A limit at which check mode starts and loads libunwind but cannot map its stack
#     depot: reports said "(no stack recorded)" and nothing else; now one line says the
#     depot has no memory; and wherever, from 4 to 20 MiB, reports have no stacks, a line
#     says why (the unwinder's rule table unmapped stopped captures without a word).
#  7. Check and guard modes' fixed address space: under `ulimit -v` of glibc's VmSize
#     for the program + 26 MiB, malloc(16 MiB) works with glibc and must in both modes.
#     Their own tables took 31 MiB at start (stack depot 16 + 4 MiB, block records
#     3 MiB, ...): the 16 MiB block failed.  They are now mapped as they fill (VmSize at
#     start 33 -> 11 MiB).
#  8. The default mode's own address space at start: at most glibc's VmSize + 6 MiB
#     (glibc 2476 KiB, heapguard 9292 when page map leaves were 2 MiB, now 8272; docs/
#     architecture.md, "Address space", lists what remains).
#  9. Sampled guard mode started at vm.max_map_count (the pool of guarded slots is
#     mapped at the first sample): the program's requests are all served and one line
#     says sampling stopped; it stopped without a word.
. "$(dirname "$0")/lib.sh"
need gcc

small_prog prog

HG_CHECKS=$((HG_CHECKS + 1))
unwind_line() { grep -q libunwind "$T/ulimit.err"; }
found=$(first_ulimit 4096 128 65536 unwind_line env HEAPGUARD_MODE=check LD_PRELOAD="$HG_LIB_SO" "$T/prog")
if [ -z "$found" ]; then
  say "no limit from 4 to 64 MiB stops libunwind alone from loading: nothing to check"
else
  say "ulimit -v $found: $(grep libunwind "$T/ulimit.err")"
  grep -q 'not found' "$T/ulimit.err" && fail "under ulimit -v $found, libunwind is said to be missing: $(grep libunwind "$T/ulimit.err")"
  grep -q 'cannot load libunwind.so.8 (' "$T/ulimit.err" || fail "under ulimit -v $found, no 'cannot load libunwind.so.8 (why)' line"
fi

cat >"$T/refill.c" <<'C'
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "vm_size.h"
#define MiB ((size_t)1 << 20)
static void *blocks[4096];
static int fill(void) {
  int n = 0;
  while (n < 4096 && (blocks[n] = malloc(MiB)) != NULL) memset(blocks[n++], 1, 4096);
  return n;
}
int main(int argc, char **argv) {
  if (argc > 1) {   /* "huge": requests nothing can satisfy */
    errno = 0;
    void *p = malloc((size_t)1 << 40), *q = memalign((size_t)1 << 30, (size_t)1 << 40);
    printf("huge: %s %s errno %d\n", p ? "allocated" : "NULL", q ? "allocated" : "NULL", errno);
    return p || q || errno != ENOMEM;
  }
  free(malloc(2 * MiB));
  if (limit_as(96 * MiB) != 0) return 77;
  int n1 = fill();
  for (int i = 0; i < n1; i++) free(blocks[i]);
  void *big = malloc(8 * MiB);
  if (big) memset(big, 2, 8 * MiB);
  free(big);
  int n2 = fill();
  for (int i = 0; i < n2; i++) free(blocks[i]);
  /* more than the quarantine holds (64 MiB): the memory it holds is needed too */
  void *most = malloc((size_t)(n2 - 8) * MiB);
  if (most) memset(most, 3, (size_t)(n2 - 8) * MiB);
  free(most);
  printf("%d then %d 1-MiB blocks, malloc(8 MiB) between: %s, then malloc(%d MiB): %s\n", n1, n2,
         big ? "allocated" : "NULL", n2 - 8, most ? "allocated" : "NULL");
  return !big || !most || n1 < 16 || n2 < n1 * 3 / 4;
}
C
build refill.c gcc -O1 -I"$HG_ROOT/tests/common" -o "$T/refill" "$T/refill.c"
"$T/refill" >"$T/refill.glibc" 2>&1 || { say "glibc: $(cat "$T/refill.glibc")"; fail "refill fails under glibc's malloc"; }
for mode in check guard; do
  HG_CHECKS=$((HG_CHECKS + 1))
  HEAPGUARD_MODE=$mode HEAPGUARD_LOG_FILE="$T/refill.$mode.log" LD_PRELOAD="$HG_LIB_SO" \
    timeout 120 "$T/refill" >"$T/refill.$mode" 2>&1
  st=$?
  say "$mode: $(cat "$T/refill.$mode")"
  [ "$st" = 0 ] || fail "$mode mode: memory freed under RLIMIT_AS is not allocated again (status $st)"
  HG_CHECKS=$((HG_CHECKS + 1))
  HEAPGUARD_MODE=$mode HEAPGUARD_LOG_FILE="$T/huge.$mode.log" LD_PRELOAD="$HG_LIB_SO" \
    "$T/refill" huge >"$T/huge.$mode" 2>&1 || fail "$mode mode: $(cat "$T/huge.$mode")"
  if grep -q WARNING "$T/huge.$mode.log"; then
    fail "$mode mode: a 1 TiB request warns: $(grep WARNING "$T/huge.$mode.log")"
  fi
done

gcc -std=gnu11 -O1 -g -pthread -I"$HG_ROOT/tests" -fno-builtin -o "$T/map_count_limit" \
  "$HG_ROOT/tests/api/map_count_limit.c" || { fail "cannot build map_count_limit.c"; finish; }
for mode in HEAPGUARD_MODE=check HEAPGUARD_MODE=guard HEAPGUARD_SAMPLE_RATE=1; do
  HG_CHECKS=$((HG_CHECKS + 1))
  env "$mode" HEAPGUARD_LOG_FILE="$T/map_count_limit.log" LD_PRELOAD="$HG_LIB_SO" \
    timeout 120 "$T/map_count_limit" >"$T/map_count_limit.out" 2>&1
  st=$?
  say "$mode: $(grep -v '^==' "$T/map_count_limit.out" | tail -n 2 | tr '\n' ' ')"
  [ "$st" = 0 ] || [ "$st" = 77 ] || fail "$mode: map_count_limit exits with $(status_desc "$st")"
done

cat >"$T/exitfull.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "vm_size.h"
#define MiB ((size_t)1 << 20)
static void *keep[1 << 21];
void *volatile lost;
int main(void) {
  free(malloc(2 * MiB));
  lost = malloc(48);
  memset(lost, 1, 48);
  if (limit_as(96 * MiB) != 0) return 77;
  long n = 0;
  while (n < (1 << 21) && (keep[n] = malloc(64)) != NULL) n++;
  for (long i = 0; i < n; i++) free(keep[i]);
  printf("%ld blocks allocated until ENOMEM, freed\n", n);
  lost = NULL;   /* the 48-byte block is lost */
  return 0;
}
C
build exitfull.c gcc -O1 -I"$HG_ROOT/tests/common" -o "$T/exitfull" "$T/exitfull.c"
HG_CHECKS=$((HG_CHECKS + 1))
HEAPGUARD_MODE=check HEAPGUARD_LOG_FILE="$T/exitfull.log" LD_PRELOAD="$HG_LIB_SO" timeout 120 "$T/exitfull" \
  >"$T/exitfull.out" 2>&1
st=$?
say "check: $(cat "$T/exitfull.out"); $(grep -m 1 'skipped\|definitely lost' "$T/exitfull.log")"
if grep -q 'leak check skipped' "$T/exitfull.log"; then
  fail "leak scan skipped after memory was freed: $(grep 'skipped' "$T/exitfull.log")"
elif ! grep -q 'definitely lost: 48 bytes in 1 blocks' "$T/exitfull.log"; then
  fail "the 48-byte leak is not reported"
fi
[ "$st" = 99 ] || fail "exit status $(status_desc "$st"), expected 99 (a leak)"

cat >"$T/overflow.c" <<'C'
#include <stdlib.h>
int main(void) {
  char *volatile p = malloc(10);
  if (!p) return 3;   /* out of memory under the smallest limits */
  p[10] = 1;   /* found at free */
  free(p);
  return 0;
}
C
build overflow.c gcc -O0 -fno-builtin -o "$T/overflow" "$T/overflow.c"
# Every limit from 4 to 20 MiB by 128 KiB: wherever a report has no stacks, stderr says
# why (libunwind not loadable, no memory for the unwinder's tables or for the depot).
# Searching from 16 MiB by 2 MiB found nothing on a machine whose window lies at 9-11
# MiB, and a window at 7.8 MiB gave stackless reports with no word (the unwinder's rule
# table, unmapped, stopped captures silently).
HG_CHECKS=$((HG_CHECKS + 1))
silent="" depot=""
for kib in $(seq 4096 128 20480); do
  rm -f "$T/overflow.log"
  ( ulimit -v "$kib" && exec env HEAPGUARD_MODE=check HEAPGUARD_LEAK_CHECK=no \
      HEAPGUARD_LOG_FILE="$T/overflow.log" LD_PRELOAD="$HG_LIB_SO" "$T/overflow" ) \
    >"$T/ulimit.out" 2>"$T/ulimit.err"
  grep -q 'no stack recorded' "$T/overflow.log" 2>/dev/null || continue
  [ -z "$depot" ] && grep -q 'no memory for the stack depot' "$T/ulimit.err" &&
    depot="$kib: $(grep 'stack depot' "$T/ulimit.err" | head -n 1)"
  grep -q 'libunwind\|no memory for the stack depot\|no memory for the unwinder' "$T/ulimit.err" ||
    silent="$silent $kib"
done
if [ -n "$silent" ]; then
  fail "reports without stacks and no line saying why under ulimit -v (KiB):$silent"
elif [ -z "$depot" ]; then
  say "no limit from 4 to 20 MiB leaves check mode without its stack depot alone: depot line not checked"
else
  say "ulimit -v $depot"
fi

cat >"$T/big16.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
  if (argc > 1) {   /* VmSize at start, in KiB */
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
      if (strncmp(line, "VmSize:", 7) == 0) printf("%ld\n", strtol(line + 7, NULL, 10));
    return 0;
  }
  void *p = malloc(16 << 20);
  if (p) memset(p, 1, 16 << 20);
  free(p);
  puts(p ? "allocated" : "NULL");
  return !p;
}
C
build big16.c gcc -O1 -o "$T/big16" "$T/big16.c"
base=$("$T/big16" vmsize)
kib=$((base + 26624))
( ulimit -v "$kib" && exec "$T/big16" ) >"$T/big16.glibc" 2>&1 ||
  fail "glibc: malloc(16 MiB) fails under ulimit -v $kib: $(cat "$T/big16.glibc")"
for mode in check guard; do
  HG_CHECKS=$((HG_CHECKS + 1))
  ( ulimit -v "$kib" && exec env HEAPGUARD_MODE=$mode HEAPGUARD_LOG_FILE="$T/big16.$mode.log" \
      LD_PRELOAD="$HG_LIB_SO" "$T/big16" ) >"$T/big16.$mode" 2>&1
  st=$?
  say "$mode, ulimit -v $kib (glibc's VmSize $base KiB + 26 MiB): $(tr '\n' ' ' <"$T/big16.$mode")"
  [ "$st" = 0 ] || fail "$mode mode: malloc(16 MiB) fails under ulimit -v $kib, as glibc's does not"
done
HG_CHECKS=$((HG_CHECKS + 1))
# The smallest of three starts: when ASLR puts the brk heap's first MiB across a 512 MiB
# boundary (about 1 start in 500), the page map needs a second leaf, 1 MiB more address
# space (never resident) that no layout choice of ours can avoid; the test failed so.
hg=
for i in 1 2 3; do
  v=$(LD_PRELOAD="$HG_LIB_SO" "$T/big16" vmsize)
  [ -z "$hg" ] || [ "$v" -lt "$hg" ] && hg=$v
done
say "VmSize at start: glibc $base KiB, heapguard (default mode) $hg KiB"
[ "$hg" -le $((base + 6144)) ] || fail "the default mode's VmSize at start is $hg KiB: more than glibc's $base + 6 MiB"

cat >"$T/fullcount.c" <<'C'
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
static void *maps[300000];
int main(void) {
  free(malloc(8000));   /* the heap exists; a request above a page is not sampled */
  long n = 0;
  while (n < 300000) {  /* alternate protections: no two merge */
    void *m = mmap(NULL, 4096, n & 1 ? PROT_READ : PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) break;
    maps[n++] = m;
  }
  int ok = 0;
  for (int i = 0; i < 2000; i++) {
    char *p = malloc(24 + i % 200);
    if (p) { memset(p, 1, 24); ok++; }
    free(p);
  }
  for (long i = 0; i < n; i++) munmap(maps[i], 4096);
  printf("%ld mappings made, then %d of 2000 small blocks\n", n, ok);
  return n >= 300000 ? 77 : ok != 2000;
}
C
build fullcount.c gcc -O1 -fno-builtin -o "$T/fullcount" "$T/fullcount.c"
HG_CHECKS=$((HG_CHECKS + 1))
HEAPGUARD_SAMPLE_RATE=1 LD_PRELOAD="$HG_LIB_SO" timeout 120 "$T/fullcount" >"$T/fullcount.out" 2>"$T/fullcount.err"
st=$?
say "sampled, map count full: $(cat "$T/fullcount.out"); $(grep -i 'sampl' "$T/fullcount.err" | tr '\n' ' ')"
if [ "$st" != 77 ]; then
  [ "$st" = 0 ] || fail "sampled mode at vm.max_map_count: program allocations failed ($(status_desc "$st"))"
  grep -q 'no allocation is sampled until it can be mapped' "$T/fullcount.err" ||
    fail "sampled mode at vm.max_map_count: sampling stopped without a word"
fi
finish

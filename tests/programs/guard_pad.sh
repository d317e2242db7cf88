#!/usr/bin/env bash
# Guard mode, the guard page after each block: a block whose size is a multiple of the
# page starts one page into its mapping, not at the mapping's first byte.
#   * a pointer kept to where a mapping was before it was unmapped (the loader keeps one
#     to its cache file, /etc/ld.so.cache, after it unmaps it) does not name a block
#     mapped there since: an 8192-byte block whose only pointer is dropped is
#     "definitely lost", not "still reachable" (it was, when its slot took the hole:
#     guard/bug_leak_indirect_pages failed once packages had grown the loader's cache);
#   * the byte before such a block is a guard marker where the kernel has them (Linux
#     6.13): writing it is a heap-buffer-underflow found at the write.  It was a
#     "fatal-signal" in the mapping below, described as an overflow of another block.
. "$(dirname "$0")/lib.sh"
need gcc
no_heapguard_env
build stale gcc -O0 -g -o "$T/stale" "$HG_ROOT/tests/programs/guard_pad/stale.c"

HG_CHECKS=$((HG_CHECKS + 1))
HEAPGUARD_MODE=guard HEAPGUARD_LOG_FILE="$T/stale.log" LD_PRELOAD="$HG_LIB_SO" "$T/stale" >"$T/stale.out" 2>"$T/stale.err"
st=$?
if ! grep -qx 'placed: yes' "$T/stale.out"; then
  say "(the block's mapping did not take the hole (status $st): not checked)"
elif grep -q 'definitely lost: 8192 bytes in 1 blocks' "$T/stale.log"; then
  say "ok: a block mapped where a stale pointer points is lost, not reachable"
else
  fail "a block mapped where a stale pointer points (status $st)"
  sed 's/^/  | /' "$T/stale.out" "$T/stale.log" | head -n 20
fi

# guard markers: a probe of the kernel
cat >"$T/marker.c" <<'C'
#include <sys/mman.h>
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
int main(void) {
  void *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED || madvise(p, 4096, MADV_GUARD_INSTALL) != 0;
}
C
build marker gcc -O0 -o "$T/marker" "$T/marker.c"
if "$T/marker"; then
  HG_CHECKS=$((HG_CHECKS + 1))
  HEAPGUARD_MODE=guard HEAPGUARD_LOG_FILE="$T/under.log" LD_PRELOAD="$HG_LIB_SO" "$T/stale" underflow \
    >"$T/under.out" 2>"$T/under.err"
  st=$?
  if [ "$st" = 99 ] && grep -q 'ERROR: heap-buffer-underflow: WRITE before the start of a 8192-byte block' "$T/under.log" &&
     grep -q 'Address 0x[0-9a-f]* is 1 bytes before a block of size 8192' "$T/under.log" &&
     grep -q 'main (stale.c:2[0-9])' "$T/under.log"; then
    say "ok: the byte before a block of whole pages faults: an underflow at the write"
  else
    fail "the byte before a block of whole pages (status $(status_desc "$st"))"
    sed 's/^/  | /' "$T/under.log" "$T/under.err" | head -n 20
  fi
else
  say "(the kernel has no guard markers, MADV_GUARD_INSTALL: the underflow is not checked)"
fi
finish

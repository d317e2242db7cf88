#!/usr/bin/env bash
# The README's main job: heapguard at work on the seed's programs.  Run by `make demo`
# (which builds the library first).  Each example is built with plain gcc and run with
# LD_PRELOAD=libheapguard.so: no recompilation against heapguard.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
LIB=$PWD/$BUILD/libheapguard.so
OUT=$PWD/$BUILD/examples
mkdir -p "$OUT"
for src in examples/*.c; do
  # -w: the examples contain their bugs on purpose, and gcc rightly warns about them
  gcc -g -O0 -w -o "$OUT/$(basename "$src" .c)" "$src" || exit 1
done

section() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# The allocator's kernel calls, as strace sees them: brk moves, and anonymous mappings
# (or unmappings) of 64 KiB or more.  The dynamic loader's own calls (library and
# locale files, small TLS maps) are filtered out; `heapguard trace` will show them
# with reasons.
kernel_calls() {
  strace -E LD_PRELOAD="$LIB" -e trace=brk,mmap,munmap,madvise -o "$OUT/strace.txt" "$@" >/dev/null 2>&1
  awk '/^brk\(0x/ { print; next }
       /^mmap\(NULL, [0-9]+, PROT_READ\|PROT_WRITE, MAP_PRIVATE\|MAP_ANONYMOUS, -1, 0\)/ {
         split($0, a, /[(,]/); if (a[3] + 0 >= 65536) print; next }
       /^munmap\(0x[0-9a-f]+, [0-9]+\)/ { split($0, a, /[(,)]/); if (a[3] + 0 >= 65536 && a[3] % 4096 == 0) print }
       /^madvise/ { print }' "$OUT/strace.txt" | sed 's/^/    /'
}

section "1. malloc(100): the heap grows with brk, in one large step"
env LD_PRELOAD="$LIB" "$OUT/heap_intro"
if command -v strace >/dev/null; then
  echo "  kernel calls (strace -e trace=brk,mmap,munmap,madvise):"
  kernel_calls "$OUT/heap_intro"
  echo "  (the 256 KiB and 2 MiB mmaps are heapguard's own metadata, kept away from user"
  echo "   blocks: records, and the page map from address to block, kept to small pages by the"
  echo "   madvise; only touched pages count;"
  echo "   the heap grew by 1 MiB more than asked: the next thousands of mallocs need no system call)"
fi

section "2. malloc(256 KiB): above the 128 KiB mmap threshold, a mapping of its own"
env LD_PRELOAD="$LIB" "$OUT/big_alloc"
if command -v strace >/dev/null; then
  kernel_calls "$OUT/big_alloc"
  echo "  with HEAPGUARD_MMAP_THRESHOLD=1M the same block comes from the heap:"
  env LD_PRELOAD="$LIB" HEAPGUARD_MMAP_THRESHOLD=1M "$OUT/big_alloc" | sed 's/^/    /'
fi

section "3. The fragmentation challenge: 1000 x 1 KiB, free the even ones, malloc(500 KB)"
env LD_PRELOAD="$LIB" "$OUT/fragmentation"

section "4. Double free: caught, reported in one line, stopped (SIGABRT)"
env LD_PRELOAD="$LIB" "$OUT/double_free"
echo "  exit status: $?"

section "5. Invalid free of a stack address, and of an interior pointer"
env LD_PRELOAD="$LIB" "$OUT/invalid_free" stack
echo "  exit status: $?"
env LD_PRELOAD="$LIB" "$OUT/invalid_free" interior
echo "  exit status: $?"

section "Without heapguard (glibc), for comparison"
"$OUT/double_free" 2>&1 | tail -n 2
echo "  exit status: ${PIPESTATUS[0]}"
"$OUT/invalid_free" interior 2>&1 | tail -n 2
echo "  exit status: ${PIPESTATUS[0]}"

section "Still to come"
echo "  use-after-free, heap overflow and leak reports (check mode), faults at the first bad"
echo "  access (guard mode), and 'heapguard trace/stats': see the README's roadmap."
exit 0

#!/usr/bin/env bash
# The README's main job: heapguard at work on the seed's programs.  Run by `make demo`
# (which builds the library first).  Each example is built with plain gcc and run with
# LD_PRELOAD=libheapguard.so: no recompilation against heapguard.  The last section runs
# the seed's four deadly heap bugs in check mode; the demo fails if a report is missing.
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

section "6. The four deadly heap bugs, caught by check mode"
# Each of the seed's bugs runs under `heapguard check` (the CLI) when it is built, else
# with the library preloaded in check mode.  A caught bug makes the program exit with
# status 99: that is the point, so it does not fail the demo; a missing report does.
if [ -x "$BUILD/heapguard" ]; then
  echo "  each program is run as: heapguard check [options] -- ./program"
else
  echo "  ($BUILD/heapguard is not built: the library is preloaded in check mode instead)"
  echo "  each program is run as: LD_PRELOAD=$BUILD/libheapguard.so HEAPGUARD_MODE=check ./program"
fi
echo "  (check mode reports each error and goes on; the program then exits with status 99)"
missing=()
# line PROGRAM TEXT: the line number of TEXT's first occurrence in examples/PROGRAM.c
line() { grep -n -m 1 -F -- "$2" "examples/$1.c" | cut -d: -f1; }
# caught KIND PROGRAM WHAT LOOK-FOR [check options]: run PROGRAM in check mode, show its
# output and the report, and require an "ERROR: KIND:" line in the report
caught() {
  local kind=$1 prog=$2 what=$3 look=$4 report=$OUT/$2.check.txt st
  shift 4
  printf '\n  \033[1m%s.c: %s\033[0m\n' "$prog" "$what"
  printf '  look for: %s\n' "$look"
  rm -f "$report"
  if [ -x "$BUILD/heapguard" ]; then
    printf '  $ heapguard check %s-- ./%s\n' "${*:+$* }" "$prog"
    "$BUILD/heapguard" check "$@" --log-file="$report" -- "$OUT/$prog" 2>&1 | sed 's/^/    /'
    st=${PIPESTATUS[0]}
  else
    local opt envs=()
    for opt in "$@"; do
      case $opt in --leak-check=*) envs+=("HEAPGUARD_LEAK_CHECK=${opt#--leak-check=}") ;; esac
    done
    printf '  $ LD_PRELOAD=%s HEAPGUARD_MODE=check %s./%s\n' "$BUILD/libheapguard.so" \
      "${envs[*]+${envs[*]} }" "$prog"
    env LD_PRELOAD="$LIB" HEAPGUARD_MODE=check HEAPGUARD_LOG_FILE="$report" ${envs[@]+"${envs[@]}"} \
      "$OUT/$prog" 2>&1 | sed 's/^/    /'
    st=${PIPESTATUS[0]}
  fi
  sed 's/^/    /' "$report" 2>/dev/null
  echo "  exit status: $st"
  if ! grep -q "ERROR: $kind:" "$report" 2>/dev/null; then
    printf '  \033[1;31mMISSING:\033[0m no "ERROR: %s:" report for %s\n' "$kind" "$prog"
    missing+=("$prog ($kind)")
  fi
}
caught heap-use-after-free uaf \
  "frees a 4-byte block, then writes 99 through the dangling pointer" \
  "ERROR: heap-use-after-free, the free (uaf.c:$(line uaf 'free(p)')) and the malloc (uaf.c:$(line uaf 'malloc('))"
caught double-free double_free \
  "frees the same block twice; check mode reports it and the program goes on" \
  "ERROR: double-free, both frees (double_free.c:$(line double_free 'free(p);') and :$(line double_free 'free(p);   /*'))"
caught heap-buffer-overflow overflow \
  "ten ints, and a loop with <= that stores p[10], just past the 40-byte block" \
  "ERROR: heap-buffer-overflow, '0 bytes after a block of size 40', the malloc (overflow.c:$(line overflow 'malloc('))"
caught memory-leak leak \
  "process_data() mallocs 1 MB and never frees it; called 10 times" \
  "ERROR: memory-leak, '10485760 bytes in 10 blocks are definitely lost', the malloc (leak.c:$(line leak 'malloc('))" \
  --leak-check=full

section "Still to come"
echo "  faults at the first bad access (guard mode), reads after free and out of bounds, and"
echo "  'heapguard trace/stats': see the README's roadmap."
if [ ${#missing[@]} -gt 0 ]; then
  printf '\ndemo FAILED: check mode did not report: %s\n' "${missing[*]}" >&2
  exit 1
fi
exit 0

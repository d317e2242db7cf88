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
HG=$BUILD/heapguard
# traced PROGRAM [ARGS]: run it under `heapguard trace`, the program's own output first,
# then the allocator's kernel calls (written to a file so the two do not interleave)
traced() {
  local log=$OUT/$(basename "$1").trace.txt
  printf '  $ heapguard trace -- ./%s\n' "$(basename "$1")${2:+ $2}"
  "$HG" trace --output="$log" -- "$@" | sed 's/^/    /'
  echo "  the allocator's kernel calls, with the reason for each:"
  sed -e 's/^heapguard\[[0-9/]*\] [0-9.]* /    /' "$log"
}

section "1. malloc(100): the heap grows with brk, in one large step"
traced "$OUT/heap_intro"
echo "  (the 256 KiB and 2 MiB mmaps are heapguard's own metadata, kept away from user"
echo "   blocks; the heap grew by 1 MiB more than asked: the next thousands of mallocs need"
echo "   no system call.  tests/programs/trace.sh checks these lines against strace)"

section "2. malloc(256 KiB): above the 128 KiB mmap threshold, a mapping of its own"
traced "$OUT/big_alloc"

section "3. The threshold moved with mallopt(M_MMAP_THRESHOLD, 512 KiB)"
traced "$OUT/mallopt_threshold"

section "4. The fragmentation challenge: 1000 x 1 KiB, free the even ones, malloc(500 KB)"
echo '  $ heapguard stats -- ./fragmentation'
"$HG" stats --output="$OUT/fragmentation.stats.txt" -- "$OUT/fragmentation" | sed 's/^/    /'
echo "  heapguard's stats when the even blocks had been freed (the program calls"
echo "  hg_stats_print): 500 KB of free slots, but is there a free piece of 500 KB?"
awk '/heapguard stats for/ && ++n == 2 { exit } { print "    " $0 }' "$OUT/fragmentation.stats.txt"

section "5. Double free: caught, reported in one line, stopped (SIGABRT)"
env LD_PRELOAD="$LIB" "$OUT/double_free"
echo "  exit status: $?"

echo
echo "  Invalid free of a stack address, and of an interior pointer:"
env LD_PRELOAD="$LIB" "$OUT/invalid_free" stack
echo "  exit status: $?"
env LD_PRELOAD="$LIB" "$OUT/invalid_free" interior
echo "  exit status: $?"

echo
echo "  Without heapguard (glibc), for comparison:"
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

section "7. The seed's exercise: read the freed block first -- guard mode faults on the read"
# check mode sees writes only (at free, at quarantine exit, at exit); guard mode puts
# every block against an inaccessible page and protects it once freed, so the read
# faults where it happens
printf '\n  \033[1muaf_read.c: printf("After free: %%d\\n", *p) on a freed block, then *p = 99\033[0m\n'
printf '  look for: ERROR: heap-use-after-free: READ, at uaf_read.c:%s (the printf)\n' "$(line uaf_read 'After free')"
echo '  $ heapguard guard -- ./uaf_read'
"$HG" guard --log-file="$OUT/uaf_read.guard.txt" -- "$OUT/uaf_read" 2>&1 | sed 's/^/    /'
echo "  exit status: ${PIPESTATUS[0]}"
sed 's/^/    /' "$OUT/uaf_read.guard.txt"
if ! grep -q "ERROR: heap-use-after-free: READ" "$OUT/uaf_read.guard.txt" 2>/dev/null; then
  printf '  \033[1;31mMISSING:\033[0m no use-after-free READ report for uaf_read\n'
  missing+=("uaf_read (guard mode)")
fi

section "8. The heap over time: a timeline, rendered as an offline HTML page"
# a real program: python3 allocating through malloc (PYTHONMALLOC=malloc), sampled
# every 2 ms by the allocator itself
echo '  $ heapguard stats --timeline=python.timeline --interval=2 -- python3 -c "..."'
PYTHONMALLOC=malloc "$HG" stats --timeline="$OUT/python.timeline" --interval=2 \
  --output="$OUT/python.stats.txt" -- python3 -c '
d = {}
for i in range(200000):
    d[i] = str(i) * 3
    if i % 3 == 0:
        del d[i // 2]
print("python3: %d keys left" % len(d))' | sed 's/^/    /'
echo "  $(wc -l < "$OUT/python.timeline") timeline records; stats at exit (first lines):"
sed -n '1,12p' "$OUT/python.stats.txt" | sed 's/^/    /'
echo '  $ heapguard report python.timeline -o python.html'
"$HG" report "$OUT/python.timeline" -o "$OUT/python.html" 2>&1 | sed 's/^/    /'
if [ -s "$OUT/python.html" ]; then
  echo "  open $OUT/python.html in a browser: heap in use vs mapped vs RSS over time, the"
  echo "  size-class histogram, fragmentation over time, the map of the heap's spans"
else
  missing+=("report (no HTML written)")
fi

if [ ${#missing[@]} -gt 0 ]; then
  printf '\ndemo FAILED: missing: %s\n' "${missing[*]}" >&2
  exit 1
fi
exit 0

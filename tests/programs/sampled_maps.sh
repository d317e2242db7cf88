#!/usr/bin/env bash
# Sampled guard mode's pool in the kernel's map of the process: every mapping (VMA) is
# copied at each fork and torn down at each exit, about 2 us apiece here.  The pool
# used to take two a slot used (its guard page marked MADV_DONTDUMP so that it never
# merged with a data page): bash at 1 in 5000 held 210 for 105 slots and paid 0.5 ms
# more per fork.  Now (src/guard_sample.c: POOL_PAIRS) each slot's pair of pages is one
# mapping, and once the process has forked 8 times neighbouring slots in the same state
# merge, so the mappings follow the runs of live and freed slots.  The program (every
# malloc sampled) churns 3000 blocks through a ring of 8 live ones, keeping none or one
# in 50 to the end among the freed slots, and counts the mappings over its blocks'
# range; then it forks 8 times, churns again and counts again.
. "$(dirname "$0")/lib.sh"
need gcc

cat >"$T/maps.c" <<'C'
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#define PAGE 4096
#define ITERS 3000
#define RING 8

static char maps[1 << 20];
static uintptr_t lo = UINTPTR_MAX, hi;

static void seen(void *p) {
  uintptr_t a = (uintptr_t)p & ~(uintptr_t)(PAGE - 1);
  if (a < lo) lo = a;
  if (a + PAGE > hi) hi = a + PAGE;
}

/* Mappings overlapping [lo - PAGE, hi + PAGE): the blocks' slots and the guard pages
   around them.  No stdio: it would allocate. */
static long mappings(void) {
  int fd = open("/proc/self/maps", O_RDONLY);
  size_t n = 0;
  for (ssize_t r; fd >= 0 && (r = read(fd, maps + n, sizeof maps - 1 - n)) > 0;) n += (size_t)r;
  if (fd >= 0) close(fd);
  maps[n] = 0;
  long count = 0;
  for (char *line = maps; *line;) {
    char *end;
    uintptr_t a = strtoul(line, &end, 16), b = strtoul(end + 1, &end, 16);
    if (b > lo - PAGE && a < hi + PAGE) count++;
    char *nl = strchr(line, '\n');
    if (!nl) break;
    line = nl + 1;
  }
  return count;
}

static void say(const char *s) { if (write(1, s, strlen(s)) < 0) _exit(2); }
static void say_num(const char *what, long v) {
  char buf[32];
  int k = sizeof buf;
  buf[--k] = 0;
  buf[--k] = what[0] == 'm' ? '\n' : ' ';
  do buf[--k] = (char)('0' + v % 10); while ((v /= 10) > 0);
  say(what);
  say(buf + k);
}

static long kept;
static char *ring[RING];

static void churn(int keep_every) {
  for (int i = 0; i < ITERS; i++) {
    char *p = malloc(24);
    memset(p, 1, 24);
    seen(p);
    if (keep_every && i % keep_every == keep_every - 1) {
      kept++;   /* lives to the end, among the freed slots */
      continue;
    }
    free(ring[i % RING]);
    ring[i % RING] = p;
  }
}

int main(int argc, char **argv) {
  int keep_every = atoi(argv[1]);   /* 0: none kept */
  /* Without guard markers (before Linux 6.13) the pool keeps two mappings a slot. */
  void *probe = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (probe == MAP_FAILED || madvise(probe, PAGE, MADV_GUARD_INSTALL) != 0) return 77;
  munmap(probe, PAGE);
  churn(keep_every);
  say_num("kept ", kept);
  say_num("slots ", (long)((hi - lo) / (2 * PAGE)));
  say_num("mappings ", mappings());
  for (int i = 0; i < 8; i++) {   /* a process that forks often */
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    if (pid < 0 || waitpid(pid, NULL, 0) != pid) return 2;
  }
  churn(keep_every);
  say_num("kept ", kept);
  say_num("slots ", (long)((hi - lo) / (2 * PAGE)));
  say_num("mappings ", mappings());
  return 0;
}
C
build maps.c gcc -O1 -g -fno-builtin -o "$T/maps" "$T/maps.c"

# Before the forks, a mapping a slot (its pair: data and guard page), and a few for the
# pool's ends and its fresh slots.  After them, two mappings for each run of live slots
# among freed ones (at most one per kept block, plus the ring's), and those few.
for side in after before; do
  for keep in 0 50; do
    HG_CHECKS=$((HG_CHECKS + 1))
    HEAPGUARD_SAMPLE_RATE=1 HEAPGUARD_GUARD_SIDE=$side LD_PRELOAD="$HG_LIB_SO" \
      timeout 120 "$T/maps" "$keep" >"$T/maps.out" 2>"$T/maps.err"
    st=$?
    [ "$st" = 77 ] && { say "no guard markers in this kernel (Linux 6.13)"; exit 77; }
    { read -r _ kept1 _ slots1 _ maps1; read -r _ kept _ slots _ maps; } <"$T/maps.out"
    what="side=$side, 1 in $keep kept"
    if [ "$st" != 0 ] || [ -z "${maps:-}" ]; then
      fail "$what: status $(status_desc "$st"), $(head -c 300 "$T/maps.err")"
    elif [ "$slots1" -lt 64 ]; then
      fail "$what: only $slots1 slots used: the blocks were not sampled?"
    elif [ "$maps1" -gt $((slots1 + 8)) ]; then
      fail "$what: $maps1 mappings over $slots1 slots before any fork: more than one a slot"
    elif [ "$maps" -gt $((2 * kept + 2 * 8 + 8)) ]; then
      fail "$what: $maps mappings over $slots slots ($kept blocks kept) after 8 forks: the slots do not merge"
    else
      say "ok    $what: $maps1 mappings over $slots1 slots ($kept1 kept); after 8 forks $maps over $slots ($kept kept)"
    fi
  done
done
finish

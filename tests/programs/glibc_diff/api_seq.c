/* api_seq.c — the whole malloc API, called with edge-case arguments and in seeded
 * random sequences, each call's observable outcome printed one per line (never an
 * address).  tests/programs/glibc_diff.sh runs it under glibc's malloc and under
 * heapguard in every mode and diffs the outputs: any difference is a place where
 * heapguard is not the drop-in glibc replacement it promises to be.
 *
 * An outcome is what a program can see: NULL or not; errno (left alone, printed "-",
 * or its new value); the return value of posix_memalign, mallopt, malloc_trim and
 * malloc_info; whether the block has the alignment glibc documents for the call
 * (malloc: 16; memalign and aligned_alloc: the alignment rounded up to a power of
 * two, at least 16; posix_memalign: the alignment; valloc and pvalloc: the page);
 * whether malloc_usable_size covers the request (pvalloc: the request rounded up to
 * pages); calloc's block zeroed; realloc's content kept up to min(old, new), and the
 * old block kept intact when it fails; *memptr left alone when posix_memalign fails;
 * errno kept by free.  Addresses, usable sizes and statistics differ between
 * allocators by design and are not printed, but for the labels of malloc_stats and
 * the outline of malloc_info's XML.
 *
 * Usage: api_seq [MODE [SEEDS [OPS]]]
 *   MODE  all (default): the edge cases, then the random sequences;
 *         threads: the random sequences in 4 threads at once, blocks handed between
 *         them (each thread prints its own lines at the end, in thread order);
 *         fork: each sequence forks halfway, the child continues it and prints, then
 *         the parent.
 *   SEEDS the seeds 1..SEEDS (default 6), OPS calls per seed (default 3000).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations" /* valloc, pvalloc, mallinfo */

#define SENTINEL 4242 /* errno before each call: no libc function sets this value */
#define PAGE ((size_t)sysconf(_SC_PAGESIZE))
#define HALF ((size_t)1 << 63)

/* ---- the log: one buffer per sequence, so that threads print theirs whole --------- */
struct log { char *buf; size_t len, cap; };
static void say(struct log *lg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct log *lg, const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (k < 0) return;
  if ((size_t)k >= sizeof line) k = sizeof line - 1;
  if (lg->len + (size_t)k + 2 > lg->cap) {
    size_t cap = lg->cap ? lg->cap * 2 : 1 << 16;
    while (cap < lg->len + (size_t)k + 2) cap *= 2;
    char *b = realloc(lg->buf, cap);
    if (!b) { fputs("api_seq: out of memory for the log\n", stderr); exit(2); }
    lg->buf = b, lg->cap = cap;
  }
  memcpy(lg->buf + lg->len, line, (size_t)k);
  lg->len += (size_t)k;
  lg->buf[lg->len++] = '\n';
}
static void flush_log(struct log *lg) {
  fwrite(lg->buf, 1, lg->len, stdout);
  fflush(stdout);
  free(lg->buf);
  lg->buf = NULL, lg->len = lg->cap = 0;
}

static const char *err(int e) {
  static __thread char b[16];
  if (e == SENTINEL) return "-";
  if (e == ENOMEM) return "ENOMEM";
  if (e == EINVAL) return "EINVAL";
  snprintf(b, sizeof b, "%d", e);
  return b;
}

/* ---- the values ------------------------------------------------------------------ */
static const size_t edge_sizes[] = {
  0, 1, 15, 16, 17, 24, 100, 1000, 4095, 4096, 4097, 32768, 65536, 131071, 131072, 131073,
  1u << 20, (1u << 20) + 1, 4u << 20, (size_t)1 << 34, (size_t)1 << 40, (size_t)1 << 47,
  PTRDIFF_MAX - 4096 * 2, PTRDIFF_MAX - 1, PTRDIFF_MAX, (size_t)PTRDIFF_MAX + 1,
  SIZE_MAX / 2 + 2, SIZE_MAX - 4096, SIZE_MAX - 16, SIZE_MAX - 1, SIZE_MAX,
};
#define N_EDGE_SIZES (sizeof edge_sizes / sizeof edge_sizes[0])
static const size_t aligns[] = {
  0, 1, 2, 3, 4, 5, 7, 8, 12, 16, 24, 32, 48, 64, 100, 128, 256, 1000, 1024, 4095, 4096,
  4097, 8192, 12288, 65536, 1u << 20, 2u << 20, (size_t)1 << 31, ((size_t)1 << 31) + 8,
  (size_t)1 << 40, (size_t)1 << 62, HALF - 8, HALF, HALF + 16, SIZE_MAX - 15, SIZE_MAX,
};
#define N_ALIGNS (sizeof aligns / sizeof aligns[0])

/* A size for the random sequences: mostly small, some medium and large, a few edge. */
static uint64_t next(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}
/* fork mode: the edge sizes that succeed (16 GiB) become 16 MiB.  Check mode keeps big
 * blocks in its heap, whose one mapping then outgrows the machine's memory, and the
 * kernel refuses to fork a process with such a mapping (overcommit's heuristic); glibc
 * maps each big block apart and unmaps it when freed. */
static size_t fork_cap;
static size_t rand_size(uint64_t *s) {
  unsigned r = (unsigned)(next(s) % 100);
  if (r < 55) return next(s) % 600;
  if (r < 80) return next(s) % 40000;
  if (r < 92) return next(s) % 300000;
  if (r < 96) return next(s) % (5u << 20);
  size_t n = edge_sizes[next(s) % N_EDGE_SIZES];
  return fork_cap && n > fork_cap && n <= ((size_t)1 << 34) ? fork_cap : n;
}
/* Only ever succeeds with sizes whose pages are cheap to fault in and check. */
static int feasible(size_t n) { return n <= ((size_t)64 << 20); }

/* ---- blocks and their contents --------------------------------------------------- */
static unsigned char pat(unsigned seed, size_t i) { return (unsigned char)(seed + i * 7 + (i >> 9)); }
static void fill(unsigned char *p, size_t n, unsigned seed) {
  if (!feasible(n)) n = 1 << 20;   /* a 16 GiB block: its first MiB */
  for (size_t i = 0; i < n; i++) p[i] = pat(seed, i);
}
/* Whether p's first n bytes hold seed's pattern (all of them up to 256 KiB, beyond that
 * the first and last 64 KiB and a byte a page). */
static int intact(const unsigned char *p, size_t n, unsigned seed) {
  if (!feasible(n)) n = 1 << 20;
  for (size_t i = 0; i < n; i++) {
    if (p[i] != pat(seed, i)) return 0;
    if (n > (256u << 10) && i == (64u << 10)) {
      for (; i + (64u << 10) < n; i += 4096)
        if (p[i] != pat(seed, i)) return 0;
      i = n - (64u << 10);
    }
  }
  return 1;
}
static int zeroed(const unsigned char *p, size_t n) {
  size_t step = n > (256u << 10) ? 4093 : 1;
  if (!feasible(n)) n = 1 << 20;
  for (size_t i = 0; i < n; i += step)
    if (p[i]) return 0;
  return !n || !p[n - 1];
}

/* Whether errno is printed after a call that succeeded: not in threads, where glibc's
 * malloc sets ENOMEM on some successes (a thread's arena that cannot grow in place). */
static int errno_on_success = 1;

/* What a program sees of a block just returned: printed after "fn(args) -> ". */
static void outcome(struct log *lg, const char *call, void *p, int e, size_t want_align, size_t n,
                    int want_zero) {
  if (!p) { say(lg, "%s -> NULL errno=%s", call, err(e)); return; }
  char more[96] = "";
  size_t k = 0;
  if ((uintptr_t)p % want_align) k += (size_t)snprintf(more + k, sizeof more - k, " misaligned(%zu)", want_align);
  if (malloc_usable_size(p) < n) k += (size_t)snprintf(more + k, sizeof more - k, " usable<request");
  if (want_zero && !zeroed(p, n)) k += (size_t)snprintf(more + k, sizeof more - k, " not-zeroed");
  say(lg, "%s -> ok%s%s%s", call, errno_on_success ? " errno=" : "", errno_on_success ? err(e) : "", more);
}

/* glibc's alignment for memalign and (2.36) aligned_alloc: a power of two, at least 16. */
static size_t memalign_align(size_t a) {
  if (a <= 16) return 16;
  size_t r = 32;
  while (r < a && r) r <<= 1;
  return r ? r : 1;
}

/* ---- the slots of a sequence ----------------------------------------------------- */
struct slot { unsigned char *p; size_t n; unsigned seed; };
#define NSLOTS 48

struct seq {
  struct log lg;
  uint64_t rng;
  struct slot s[NSLOTS];
  unsigned seeds;
};

static void put(struct seq *q, int i, void *p, size_t n) {
  q->s[i].p = p, q->s[i].n = n, q->s[i].seed = (unsigned)next(&q->rng);
  if (p) fill(p, n, q->s[i].seed);
}
static void release(struct seq *q, int i) {
  if (!q->s[i].p) return;
  struct slot *sl = &q->s[i];
  int ok = intact(sl->p, sl->n, sl->seed);
  errno = SENTINEL;
  free(sl->p);
  int e = errno;
  if (!ok || e != SENTINEL) say(&q->lg, "free(slot %d) -> %s errno=%s", i, ok ? "ok" : "CONTENT LOST", err(e));
  sl->p = NULL;
}

/* One random call; slot i is its block (freed first if an allocation goes there). */
static void step(struct seq *q, int k) {
  struct log *lg = &q->lg;
  int i = (int)(next(&q->rng) % NSLOTS);
  struct slot *sl = &q->s[i];
  size_t n = rand_size(&q->rng), a = aligns[next(&q->rng) % N_ALIGNS];
  char call[160];
  void *p = NULL;
  int e;
  switch (next(&q->rng) % 16) {
  case 0: case 1: case 2: case 3:
    release(q, i);
    errno = SENTINEL; p = malloc(n); e = errno;
    snprintf(call, sizeof call, "%d malloc(%zu)", k, n);
    outcome(lg, call, p, e, 16, n, 0);
    put(q, i, p, n);
    break;
  case 4: {
    release(q, i);
    size_t m = next(&q->rng) % 4 ? next(&q->rng) % 64 + 1 : rand_size(&q->rng);
    n /= m ? m : 1;
    if (next(&q->rng) % 8 == 0) n = rand_size(&q->rng);
    errno = SENTINEL; p = calloc(m, n); e = errno;
    snprintf(call, sizeof call, "%d calloc(%zu, %zu)", k, m, n);
    size_t t = 0;
    outcome(lg, call, p, e, 16, __builtin_mul_overflow(m, n, &t) ? 0 : t, 1);
    put(q, i, p, t);
    break;
  }
  case 5: case 6: case 7: {
    size_t old = sl->n;
    int had = sl->p != NULL, zero = next(&q->rng) % 16 == 0;
    if (zero) n = 0;
    errno = SENTINEL; p = realloc(sl->p, n); e = errno;
    snprintf(call, sizeof call, "%d realloc(%s, %zu)", k, had ? "block" : "NULL", n);
    if (p) {
      int kept = !had || intact(p, old < n ? old : n, sl->seed);
      outcome(lg, call, p, e, 16, n, 0);
      if (!kept) say(lg, "%d   content not kept", k);
      put(q, i, p, n);
    } else {
      outcome(lg, call, p, e, 16, n, 0);
      if (had && n) {
        if (!intact(sl->p, old, sl->seed)) say(lg, "%d   old block not intact", k);
      } else {
        sl->p = NULL;   /* realloc(p, 0) freed it */
      }
    }
    break;
  }
  case 8: {
    size_t m = next(&q->rng) % 3 ? next(&q->rng) % 16 : rand_size(&q->rng);
    if (m > 1) n /= m;
    int had = sl->p != NULL;
    size_t old = sl->n, t = 0;
    int over = __builtin_mul_overflow(m, n, &t);
    errno = SENTINEL; p = reallocarray(sl->p, m, n); e = errno;
    snprintf(call, sizeof call, "%d reallocarray(%s, %zu, %zu)", k, had ? "block" : "NULL", m, n);
    outcome(lg, call, p, e, 16, over ? 0 : t, 0);
    if (p) {
      if (had && !intact(p, old < t ? old : t, sl->seed)) say(lg, "%d   content not kept", k);
      put(q, i, p, t);
    } else if (had && t && !over) {
      if (!intact(sl->p, old, sl->seed)) say(lg, "%d   old block not intact", k);
    } else if (had && over) {
      if (!intact(sl->p, old, sl->seed)) say(lg, "%d   old block not intact", k);
    } else {
      sl->p = NULL;
    }
    break;
  }
  case 9:
    release(q, i);
    errno = SENTINEL; p = memalign(a, n); e = errno;
    snprintf(call, sizeof call, "%d memalign(%zu, %zu)", k, a, n);
    outcome(lg, call, p, e, memalign_align(a), n, 0);
    put(q, i, p, n);
    break;
  case 10:
    release(q, i);
    errno = SENTINEL; p = aligned_alloc(a, n); e = errno;
    snprintf(call, sizeof call, "%d aligned_alloc(%zu, %zu)", k, a, n);
    outcome(lg, call, p, e, memalign_align(a), n, 0);
    put(q, i, p, n);
    break;
  case 11: {
    release(q, i);
    void *m = (void *)&q->rng;
    errno = SENTINEL;
    int rc = posix_memalign(&m, a, n);
    e = errno;
    snprintf(call, sizeof call, "%d posix_memalign(%zu, %zu) = %s", k, a, n, rc ? err(rc) : "0");
    if (rc) {
      say(lg, "%s errno=%s%s", call, err(e), m == (void *)&q->rng ? "" : " memptr changed");
    } else {
      outcome(lg, call, m, e, a < 16 ? 16 : a, n, 0);
      put(q, i, m, n);
    }
    break;
  }
  case 12:
    release(q, i);
    if (next(&q->rng) % 2) {
      errno = SENTINEL; p = valloc(n); e = errno;
      snprintf(call, sizeof call, "%d valloc(%zu)", k, n);
      outcome(lg, call, p, e, PAGE, n, 0);
    } else {
      errno = SENTINEL; p = pvalloc(n); e = errno;
      snprintf(call, sizeof call, "%d pvalloc(%zu)", k, n);
      size_t r = n + PAGE - 1 < n ? n : (n + PAGE - 1) / PAGE * PAGE;
      outcome(lg, call, p, e, PAGE, r, 0);
    }
    put(q, i, p, n);
    break;
  case 13:
    if (sl->p) {
      errno = SENTINEL;
      size_t u = malloc_usable_size(sl->p);
      e = errno;
      say(lg, "%d malloc_usable_size(block) -> %s errno=%s", k, u >= sl->n ? ">= request" : "< REQUEST", err(e));
    } else {
      errno = SENTINEL;
      size_t u = malloc_usable_size(NULL);
      e = errno;
      say(lg, "%d malloc_usable_size(NULL) -> %zu errno=%s", k, u, err(e));
    }
    break;
  case 14:
    release(q, i);
    errno = SENTINEL;
    free(NULL);
    if (errno != SENTINEL) say(lg, "%d free(NULL) -> errno=%s", k, err(errno));
    break;
  default:
    release(q, i);
    break;
  }
}

static void run_seq(struct seq *q, unsigned seed, int ops) {
  q->rng = seed * 0x51ed27u + 1;
  say(&q->lg, "== sequence %u", seed);
  for (int k = 0; k < ops; k++) step(q, k);
  for (int i = 0; i < NSLOTS; i++) release(q, i);
}

#include "api_edge.h"

/* ---- threads: several sequences at once, some blocks freed by other threads ------- */
#define NTHREADS 4
static struct seq tseq[NTHREADS];
static int t_seeds, t_ops;
static pthread_barrier_t barrier;
static void *thread_main(void *arg) {
  struct seq *q = arg;
  int me = (int)(q - tseq);
  for (int s = 1; s <= t_seeds; s++) {
    q->rng = (uint64_t)(s * NTHREADS + me) * 0x51ed27u + 1;
    say(&q->lg, "== thread %d sequence %d", me, s);
    for (int k = 0; k < t_ops; k++) step(q, k);
    /* hand the blocks round: each thread frees its neighbour's (contents checked) */
    pthread_barrier_wait(&barrier);
    struct seq *other = &tseq[(me + 1) % NTHREADS];
    for (int i = 0; i < NSLOTS; i++) {
      struct slot *sl = &other->s[i];
      if (!sl->p) continue;
      int ok = intact(sl->p, sl->n, sl->seed);
      errno = SENTINEL;
      free(sl->p);
      if (!ok || errno != SENTINEL) say(&q->lg, "free(thread %d's slot %d) -> %s errno=%s", (me + 1) % NTHREADS, i, ok ? "ok" : "CONTENT LOST", err(errno));
      sl->p = NULL;
    }
    pthread_barrier_wait(&barrier);
  }
  return NULL;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "all";
  int seeds = argc > 2 ? atoi(argv[2]) : 6, ops = argc > 3 ? atoi(argv[3]) : 3000;
  static struct seq q;
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  if (!strcmp(mode, "all")) {
    edge_cases(&q.lg);
    flush_log(&q.lg);
    for (int s = 1; s <= seeds; s++) {
      run_seq(&q, (unsigned)s, ops);
      flush_log(&q.lg);
    }
  } else if (!strcmp(mode, "threads")) {
    pthread_t t[NTHREADS];
    t_seeds = seeds, t_ops = ops;
    errno_on_success = 0;
    pthread_barrier_init(&barrier, NULL, NTHREADS);
    for (int i = 0; i < NTHREADS; i++) pthread_create(&t[i], NULL, thread_main, &tseq[i]);
    for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < NTHREADS; i++) flush_log(&tseq[i].lg);
  } else if (!strcmp(mode, "fork")) {
    fork_cap = 16u << 20;
    for (int s = 1; s <= seeds; s++) {
      q.rng = (uint64_t)s * 0x51ed27u + 1;
      say(&q.lg, "== sequence %d, forked at %d", s, ops / 2);
      for (int k = 0; k < ops / 2; k++) step(&q, k);
      flush_log(&q.lg);
      /* (fork is retried: under memory pressure from elsewhere the kernel may refuse
       * it for a while, which is no allocator's answer) */
      pid_t pid;
      for (int tries = 0; (pid = fork()) < 0 && tries < 20; tries++) usleep(200000);
      if (pid < 0) { perror("fork"); return 2; }
      /* both continue the same sequence from the same state: child first, then parent */
      say(&q.lg, "-- %s", pid ? "parent" : "child");
      for (int k = ops / 2; k < ops; k++) step(&q, k);
      for (int i = 0; i < NSLOTS; i++) release(&q, i);
      if (!pid) { flush_log(&q.lg); exit(0); }
      int st;
      waitpid(pid, &st, 0);
      flush_log(&q.lg);
      if (!WIFEXITED(st) || WEXITSTATUS(st)) printf("child of sequence %d: status %#x\n", s, st);
    }
  } else {
    fprintf(stderr, "usage: api_seq [all|threads|fork] [SEEDS [OPS]]\n");
    return 2;
  }
  return 0;
}

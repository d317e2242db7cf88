/* wl_common.h — shared helpers for the bench/ workloads (header-only).
 *
 * Every workload program:
 *   - takes the same options:  --ops N  --size N  --threads N  --seed N  --smoke
 *     (each workload documents what "ops" and "size" mean for it; --smoke switches to
 *     tiny defaults so the whole suite runs in seconds; explicit options still win);
 *   - does deterministic work (fixed seeds, xorshift generator, no time-dependent choices),
 *     so every allocator does exactly the same calls;
 *   - prints one line "RESULT wl=<name> check=<hex> key=value ..." at the end.  `check` is a
 *     checksum of the work that does not depend on addresses: the runner verifies it is the
 *     same under every allocator.  Keys starting with rss_ are the workload's own RSS
 *     figures (KiB, from /proc/self/statm), which the runner reports in a table.
 *
 * The pointer returned by malloc is passed through wl_escape() so gcc cannot elide a
 * malloc/free pair (it does so at -O2 when the block does not escape).
 */
#ifndef WL_COMMON_H
#define WL_COMMON_H

#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  long ops;     /* amount of work; meaning per workload */
  long size;    /* block size or live-set size; meaning per workload */
  int threads;  /* worker threads */
  uint64_t seed;
  int smoke;
} wl_args;

/* Make the compiler believe p is used (and memory may be read through it). */
static inline void wl_escape(void *p) { __asm__ volatile("" : : "g"(p) : "memory"); }

static inline void *wl_xmalloc(size_t n) {
  void *p = malloc(n);
  if (!p) {
    fprintf(stderr, "malloc(%zu) failed\n", n);
    abort();
  }
  wl_escape(p);
  return p;
}

/* xorshift64* — small, fast, deterministic. */
typedef struct { uint64_t s; } wl_rng;
static inline void wl_rng_init(wl_rng *r, uint64_t seed) {
  /* splitmix64 of the seed so that seeds 1, 2, 3 give unrelated streams */
  uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  r->s = (z ^ (z >> 31)) | 1;
}
static inline uint64_t wl_next(wl_rng *r) {
  uint64_t x = r->s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  r->s = x;
  return x * 0x2545f4914f6cdd1dULL;
}
/* uniform in [0, n) */
static inline uint64_t wl_below(wl_rng *r, uint64_t n) { return (uint64_t)(((unsigned __int128)wl_next(r) * n) >> 64); }
/* log-uniform size in [lo, hi]: a uniform exponent, then uniform inside that octave */
static inline size_t wl_logsize(wl_rng *r, size_t lo, size_t hi) {
  int elo = 63 - __builtin_clzll(lo), ehi = 63 - __builtin_clzll(hi);
  int e = elo + (int)wl_below(r, (uint64_t)(ehi - elo + 1));
  size_t base = (size_t)1 << e;
  size_t s = base + (size_t)wl_below(r, base);
  if (s < lo) s = lo;
  if (s > hi) s = hi;
  return s;
}

static inline double wl_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Current resident set size in KiB (from /proc/self/statm: no allocation). */
static inline long wl_rss_kb(void) {
  char buf[128];
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, res = 0;
  if (!f) return -1;
  if (fgets(buf, sizeof buf, f)) sscanf(buf, "%ld %ld", &pages, &res);
  fclose(f);
  return res * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Peak resident set size so far (VmHWM) in KiB. */
static inline long wl_hwm_kb(void) {
  char line[256];
  long v = -1;
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "VmHWM:", 6) == 0) sscanf(line + 6, "%ld", &v);
  fclose(f);
  return v;
}

static inline void wl_usage(const char *name, const char *doc) {
  fprintf(stderr,
          "usage: %s [--ops N] [--size N] [--threads N] [--seed N] [--smoke]\n%s\n", name, doc);
}

/* Parse the common options.  def and smoke are this workload's defaults. */
static inline void wl_parse(int argc, char **argv, wl_args *a, wl_args def, wl_args smoke,
                            const char *doc) {
  wl_args set = { -1, -1, -1, 0, 0 };
  int seed_set = 0;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i], *val = NULL;
    char key[32];
    const char *eq = strchr(arg, '=');
    if (strcmp(arg, "--smoke") == 0) { set.smoke = 1; continue; }
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) { wl_usage(argv[0], doc); exit(0); }
    if (eq) {
      snprintf(key, sizeof key, "%.*s", (int)(eq - arg), arg);
      val = eq + 1;
    } else {
      snprintf(key, sizeof key, "%s", arg);
      if (i + 1 < argc) val = argv[++i];
    }
    if (!val) { wl_usage(argv[0], doc); exit(2); }
    char *end;
    long long v = strtoll(val, &end, 0);
    if (*end || v < 0) { fprintf(stderr, "%s: bad value for %s: %s\n", argv[0], key, val); exit(2); }
    if (strcmp(key, "--ops") == 0) set.ops = v;
    else if (strcmp(key, "--size") == 0) set.size = v;
    else if (strcmp(key, "--threads") == 0) set.threads = (int)v;
    else if (strcmp(key, "--seed") == 0) { set.seed = (uint64_t)v; seed_set = 1; }
    else { wl_usage(argv[0], doc); exit(2); }
  }
  *a = set.smoke ? smoke : def;
  a->smoke = set.smoke;
  if (set.ops >= 0) a->ops = set.ops;
  if (set.size >= 0) a->size = set.size;
  if (set.threads > 0) a->threads = set.threads;
  if (seed_set) a->seed = set.seed;
  if (a->threads < 1) a->threads = 1;
}

static inline void wl_start_threads(int n, pthread_t *tids, void *(*fn)(void *), void *args,
                                    size_t arg_size) {
  for (int i = 0; i < n; i++)
    if (pthread_create(&tids[i], NULL, fn, (char *)args + (size_t)i * arg_size) != 0) {
      perror("pthread_create");
      exit(1);
    }
}

static inline void wl_join_threads(int n, pthread_t *tids) {
  for (int i = 0; i < n; i++) pthread_join(tids[i], NULL);
}

#endif

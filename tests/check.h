/* tests/check.h: a tiny, framework-free test helper for heapguard's test programs.
 *
 *   CHECK(cond)            on failure print "file:line: check failed: cond" to stderr and
 *                          count it; the test goes on.  Evaluates to 1 if cond held, else 0,
 *                          so `if (!CHECK(p != NULL)) return check_finish();` works.
 *   CHECK_EQ(a, b)         signed integer equality, prints both values on failure
 *   CHECK_EQU(a, b)        unsigned integer equality
 *   CHECK_NULL(p), CHECK_NONNULL(p)
 *   CHECK_ALIGNED(p, a)    (uintptr_t)p % a == 0
 *   CHECK_ERRNO(e)         errno == e (prints errno's value and name on failure)
 *   CHECKF(cond, fmt, ...) CHECK with an extra printf-style explanation
 *   check_skip("why")      print the reason and exit 77 (a skip)
 *   return check_finish(); print a summary; returns 1 if any check failed, else 0
 *
 * Pattern helpers for "write everything, verify it later" tests:
 *   hg_fill(p, n, seed)    fill n bytes with a pattern that depends on seed and offset
 *   hg_verify(p, n, seed)  offset of the first byte that differs, or (size_t)-1 if intact
 *   hg_is_zero(p, n)       1 if all n bytes are zero
 *   hg_opaque(p), hg_opaque_size(n): hide a value from the optimizer (and from gcc's
 *                          -Walloc-size-larger-than / -Wfree-nonheap-object analysis)
 *   hg_rng: a deterministic 64-bit generator (splitmix64)
 *
 * (__builtin_memcpy is used because the tests are built with -fno-builtin.)
 * Everything is static and thread-safe enough for tests (the failure count is atomic).
 * Depends only on libc.
 */
#ifndef HEAPGUARD_TESTS_CHECK_H
#define HEAPGUARD_TESTS_CHECK_H

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_MAX_REPORTS 100 /* failures printed in full; later ones are only counted */

static unsigned long check_failures_ __attribute__((unused));
static unsigned long check_count_ __attribute__((unused));

static inline int check_report_(const char *file, int line, const char *what) {
  unsigned long n = __atomic_add_fetch(&check_failures_, 1, __ATOMIC_RELAXED);
  if (n <= CHECK_MAX_REPORTS) {
    fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
    if (n == CHECK_MAX_REPORTS) fprintf(stderr, "(further failures are counted, not printed)\n");
  }
  return 0;
}

static inline int check_(int ok, const char *file, int line, const char *what) {
  __atomic_add_fetch(&check_count_, 1, __ATOMIC_RELAXED);
  return ok ? 1 : check_report_(file, line, what);
}

#define CHECK(cond) check_(!!(cond), __FILE__, __LINE__, #cond)

#define CHECKF(cond, ...)                                                   \
  ({                                                                        \
    int check_ok_ = check_(!!(cond), __FILE__, __LINE__, #cond);            \
    if (!check_ok_ && check_failures_ <= CHECK_MAX_REPORTS) {               \
      fprintf(stderr, "    ");                                              \
      fprintf(stderr, __VA_ARGS__);                                         \
      fprintf(stderr, "\n");                                                \
    }                                                                       \
    check_ok_;                                                              \
  })

static inline int check_eq_(intmax_t a, intmax_t b, const char *file, int line,
                            const char *ea, const char *eb) {
  __atomic_add_fetch(&check_count_, 1, __ATOMIC_RELAXED);
  if (a == b) return 1;
  char buf[512];
  snprintf(buf, sizeof buf, "%s == %s (%jd vs %jd)", ea, eb, a, b);
  return check_report_(file, line, buf);
}

static inline int check_equ_(uintmax_t a, uintmax_t b, const char *file, int line,
                             const char *ea, const char *eb) {
  __atomic_add_fetch(&check_count_, 1, __ATOMIC_RELAXED);
  if (a == b) return 1;
  char buf[512];
  snprintf(buf, sizeof buf, "%s == %s (%ju vs %ju)", ea, eb, a, b);
  return check_report_(file, line, buf);
}

#define CHECK_EQ(a, b) check_eq_((intmax_t)(a), (intmax_t)(b), __FILE__, __LINE__, #a, #b)
#define CHECK_EQU(a, b) check_equ_((uintmax_t)(a), (uintmax_t)(b), __FILE__, __LINE__, #a, #b)
#define CHECK_NULL(p) CHECK((p) == NULL)
#define CHECK_NONNULL(p) CHECK((p) != NULL)
#define CHECK_ALIGNED(p, a)                                                         \
  CHECKF(((uintptr_t)(p) % (uintptr_t)(a)) == 0, "%p is not %zu-byte aligned", \
         (void *)(p), (size_t)(a))
#define CHECK_ERRNO(e)                                                                     \
  ({                                                                                       \
    int check_saved_errno_ = errno;                                                        \
    int check_ok_ = CHECKF(check_saved_errno_ == (e), "errno is %d (%s), expected %d (%s)", \
                           check_saved_errno_, strerror(check_saved_errno_), (int)(e),     \
                           strerror(e));                                                   \
    errno = check_saved_errno_;                                                            \
    check_ok_;                                                                             \
  })

static inline int check_finish(void) {
  unsigned long f = __atomic_load_n(&check_failures_, __ATOMIC_RELAXED);
  unsigned long n = __atomic_load_n(&check_count_, __ATOMIC_RELAXED);
  if (f) {
    fprintf(stderr, "FAILED: %lu of %lu checks failed\n", f, n);
    return 1;
  }
  fprintf(stderr, "ok: %lu checks passed\n", n);
  return 0;
}

static inline __attribute__((noreturn)) void check_skip(const char *why) {
  fflush(stdout);
  fprintf(stderr, "skipped: %s\n", why);
  exit(77);
}

/* ---- opaque values ------------------------------------------------------------------ */

static inline void *hg_opaque(void *p) {
  __asm__ volatile("" : "+r"(p));
  return p;
}

static inline size_t hg_opaque_size(size_t n) {
  __asm__ volatile("" : "+r"(n));
  return n;
}

/* ---- deterministic random numbers (splitmix64) ----------------------------------------- */

typedef struct { uint64_t s; } hg_rng;

static inline uint64_t hg_next(hg_rng *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* uniform in [lo, hi] */
static inline uint64_t hg_range(hg_rng *r, uint64_t lo, uint64_t hi) {
  return lo + hg_next(r) % (hi - lo + 1);
}

/* log-distributed in [lo, hi]: a uniformly chosen power of two, then uniform below it */
static inline size_t hg_logsize(hg_rng *r, size_t lo, size_t hi) {
  int bits = 64 - __builtin_clzll((unsigned long long)hi); /* hi < 2^bits */
  for (;;) {
    int b = (int)hg_range(r, 0, (uint64_t)bits - 1);
    size_t top = (size_t)1 << b;
    size_t s = top + (size_t)(hg_next(r) & (top - 1));
    if (s >= lo && s <= hi) return s;
  }
}

/* ---- byte patterns ------------------------------------------------------------------ */

static inline uint64_t hg_mix_(uint64_t x) {
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDull;
  x ^= x >> 33;
  return x | 1; /* never zero, so a zeroed block never looks intact */
}

/* The word at byte offset 8*i is mix(seed) + i * K; partial words use its low bytes. */
#define HG_PATTERN_STEP 0x9E3779B97F4A7C15ull

static inline void hg_fill(void *p, size_t n, uint64_t seed) {
  unsigned char *b = (unsigned char *)p;
  uint64_t v = hg_mix_(seed);
  size_t i = 0;
  for (; i + 8 <= n; i += 8, v += HG_PATTERN_STEP) __builtin_memcpy(b + i, &v, 8);
  for (size_t k = 0; i < n; i++, k++) b[i] = (unsigned char)(v >> (8 * k));
}

static inline size_t hg_verify(const void *p, size_t n, uint64_t seed) {
  const unsigned char *b = (const unsigned char *)p;
  uint64_t v = hg_mix_(seed);
  size_t i = 0;
  for (; i + 8 <= n; i += 8, v += HG_PATTERN_STEP) {
    uint64_t w;
    __builtin_memcpy(&w, b + i, 8);
    if (w != v) {
      for (size_t k = 0; k < 8; k++)
        if (b[i + k] != (unsigned char)(v >> (8 * k))) return i + k;
    }
  }
  for (size_t k = 0; i < n; i++, k++)
    if (b[i] != (unsigned char)(v >> (8 * k))) return i;
  return (size_t)-1;
}

/* verify only the first and last `edge` bytes (cheap check of a big block) */
static inline size_t hg_verify_edges(const void *p, size_t n, uint64_t seed, size_t edge) {
  if (n <= 2 * edge) return hg_verify(p, n, seed);
  size_t r = hg_verify(p, edge, seed);
  if (r != (size_t)-1) return r;
  /* the tail starts at a word boundary so the pattern can be regenerated there */
  size_t start = (n - edge) & ~(size_t)7;
  const unsigned char *b = (const unsigned char *)p;
  uint64_t v = hg_mix_(seed) + (start / 8) * HG_PATTERN_STEP;
  size_t i = start;
  for (; i + 8 <= n; i += 8, v += HG_PATTERN_STEP) {
    uint64_t w;
    __builtin_memcpy(&w, b + i, 8);
    if (w != v)
      for (size_t k = 0; k < 8; k++)
        if (b[i + k] != (unsigned char)(v >> (8 * k))) return i + k;
  }
  for (size_t k = 0; i < n; i++, k++)
    if (b[i] != (unsigned char)(v >> (8 * k))) return i;
  return (size_t)-1;
}

static inline int hg_is_zero(const void *p, size_t n) {
  const unsigned char *b = (const unsigned char *)p;
  size_t i = 0;
  for (; i < n && ((uintptr_t)(b + i) & 7); i++)
    if (b[i]) return 0;
  for (; i + 32 <= n; i += 32) {
    uint64_t w[4];
    __builtin_memcpy(w, b + i, sizeof w);
    if (w[0] | w[1] | w[2] | w[3]) return 0;
  }
  for (; i < n; i++)
    if (b[i]) return 0;
  return 1;
}

/* check that [p, p+n) holds the pattern for seed; report the first bad offset */
#define CHECK_PATTERN(p, n, seed)                                                         \
  ({                                                                                      \
    size_t check_bad_ = hg_verify((p), (n), (seed));                                      \
    CHECKF(check_bad_ == (size_t)-1, "block %p (%zu bytes): pattern broken at offset %zu", \
           (void *)(p), (size_t)(n), check_bad_);                                         \
  })

#endif /* HEAPGUARD_TESTS_CHECK_H */

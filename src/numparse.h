/* numparse.h — the syntax of numbers and sizes in HEAPGUARD_* settings, shared by the
 * library's option parser (options.c) and the command line (src/cli/main.c), so that
 * `heapguard check --quarantine=64MiB` accepts exactly what HEAPGUARD_QUARANTINE does.
 *
 * Header-only and free of the library: no allocation, no errno, no locale (these run
 * inside malloc's first call, before libc may have finished starting). */
#ifndef HG_NUMPARSE_H
#define HG_NUMPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest value of each bounded setting, for the library (options.h) and the CLI
 * alike: a larger one is refused with a message, never clamped in silence. */
#define HG_MAX_REDZONE 4096                       /* check mode's redzone clamp */
#define HG_MAX_STACK_DEPTH 64                     /* HG_STACK_MAX_DEPTH, stack.h */
#define HG_MAX_EXITCODE 255                       /* an exit status is 8 bits */
#define HG_MAX_SAMPLE_RATE ((size_t)1 << 40)      /* guard_sample.c's sampling clamp */
#define HG_MAX_SAMPLE_MAX ((size_t)1 << 20)       /* 2 pages each: 8 GiB of address space */
#define HG_MAX_SAMPLE_QUARANTINE ((size_t)1 << 19)   /* half of HG_MAX_SAMPLE_MAX */
#define HG_MAX_SAMPLE_BUDGET 1000000000           /* a sample a nanosecond: guard_sample.c */
#define HG_MAX_TIMELINE_MS 3600000                /* an hour */

/* Leading decimal digits of *sp into *out (advancing *sp); false if none or overflow. */
static inline bool hg_parse_digits(const char **sp, size_t *out) {
  const char *s = *sp;
  if (*s < '0' || *s > '9') return false;
  size_t v = 0;
  for (; *s >= '0' && *s <= '9'; s++) {
    size_t digit = (size_t)(*s - '0');
    if (v > (SIZE_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *sp = s;
  *out = v;
  return true;
}

/* 65536, 64K, 64KiB, 64KB, 2M, 2MiB, 1G, 1GiB, 100B (letters in either case);
 * false for anything else or a value beyond SIZE_MAX. */
static inline bool hg_parse_size(const char *s, size_t *out) {
  size_t v, mul = 1;
  if (!hg_parse_digits(&s, &v)) return false;
  switch (*s) {
  case 'k': case 'K': mul = (size_t)1 << 10; s++; break;
  case 'm': case 'M': mul = (size_t)1 << 20; s++; break;
  case 'g': case 'G': mul = (size_t)1 << 30; s++; break;
  case 'b': case 'B': if (s[1] == '\0') s++; break;
  default: break;
  }
  if (mul > 1 && (*s == 'i' || *s == 'I') && (s[1] == 'b' || s[1] == 'B')) s++;   /* KiB, kib */
  if (mul > 1 && (*s == 'b' || *s == 'B') && s[1] == '\0') s++;
  if (*s || v > SIZE_MAX / mul) return false;
  *out = v * mul;
  return true;
}

/* ASCII letters compared without case (no locale: this may run before libc is set up). */
static inline bool hg_same_word(const char *a, const char *b) {
  for (;; a++, b++) {
    char x = *a >= 'a' && *a <= 'z' ? (char)(*a - 32) : *a;
    char y = *b >= 'a' && *b <= 'z' ? (char)(*b - 32) : *b;
    if (x != y) return false;
    if (!x) return true;
  }
}

/* HEAPGUARD_STATS_SIGNAL: a name (with or without SIG, any case) or a number; 0, off or
 * empty: none (*out = 0).  Refused: KILL and STOP, which cannot be caught; the faults
 * (ILL, TRAP, ABRT, BUS, FPE, SEGV, SYS), whose handler returning re-runs the faulting
 * instruction, so a crash printed the stats forever instead of dying; 32 and 33,
 * glibc's own (thread cancellation, setxid); above 64. */
static inline bool hg_parse_signal(const char *s, size_t *out) {
  static const struct { char name[8]; unsigned char num; } names[] = {
    { "HUP", 1 }, { "INT", 2 }, { "QUIT", 3 }, { "USR1", 10 }, { "USR2", 12 }, { "PIPE", 13 },
    { "ALRM", 14 }, { "TERM", 15 }, { "CHLD", 17 }, { "CONT", 18 }, { "TSTP", 20 },
    { "TTIN", 21 }, { "TTOU", 22 }, { "URG", 23 }, { "XCPU", 24 }, { "XFSZ", 25 },
    { "VTALRM", 26 }, { "PROF", 27 }, { "WINCH", 28 }, { "IO", 29 }, { "PWR", 30 },
  };
  const uint64_t refused = 1ull << 4 | 1ull << 5 | 1ull << 6 | 1ull << 7 | 1ull << 8 |
                           1ull << 9 | 1ull << 11 | 1ull << 19 | 1ull << 31 | 1ull << 32 |
                           1ull << 33;
  size_t v;
  const char *d = s;
  if (!*s || hg_same_word(s, "off")) {
    *out = 0;
    return true;
  }
  if (hg_parse_digits(&d, &v)) {
    if (*d || v > 64 || (v < 64 && (refused >> v & 1))) return false;
    *out = v;
    return true;
  }
  if ((s[0] == 'S' || s[0] == 's') && (s[1] == 'I' || s[1] == 'i') &&
      (s[2] == 'G' || s[2] == 'g'))
    s += 3;
  for (unsigned i = 0; i < sizeof names / sizeof *names; i++)
    if (hg_same_word(s, names[i].name)) {
      *out = names[i].num;
      return true;
    }
  return false;
}

/* Leak kinds, Valgrind's words for them: --show-leak-kinds, --errors-for-leak-kinds (and
 * a suppression's match-leak-kinds) take a set of them (leak.c: "possible" is a block
 * reached only through pointers into blocks' middles). */
enum {
  HG_LEAK_KIND_DEFINITE = 1,
  HG_LEAK_KIND_INDIRECT = 2,
  HG_LEAK_KIND_POSSIBLE = 4,
  HG_LEAK_KIND_REACHABLE = 8,
  HG_LEAK_KIND_ALL = 15,
};

/* s[0..len): "all", "none", or words of names (n of them, each in `width` bytes, NUL
 * padded) separated by commas, in any order, into *out as bits (names' first word: bit
 * 0), all of them for "all".  False for anything else (an empty word, "all" or "none"
 * among others): no set is written "none".  (Names in a char array, not a table of
 * pointers: no relocation.) */
static inline bool hg_parse_word_set(const char *s, size_t len, const char *names, size_t width, unsigned n,
                                     unsigned *out) {
  if (len == 3 && s[0] == 'a' && s[1] == 'l' && s[2] == 'l') {
    *out = (1u << n) - 1;
    return true;
  }
  if (len == 4 && s[0] == 'n' && s[1] == 'o' && s[2] == 'n' && s[3] == 'e') {
    *out = 0;
    return true;
  }
  unsigned set = 0;
  for (const char *end = s + len;;) {
    size_t w = 0;
    while (s + w < end && s[w] != ',') w++;
    unsigned k = 0;
    for (; k < n; k++) {
      const char *name = names + k * width;
      size_t i = 0;
      while (i < w && i < width && name[i] && name[i] == s[i]) i++;
      if (i == w && (i == width || !name[i])) break;
    }
    if (k == n) return false;
    set |= 1u << k;
    if (s + w == end) break;
    s += w + 1;
  }
  *out = set;
  return true;
}

/* Leak kinds: definite,indirect,possible,reachable, into HG_LEAK_KIND_ bits. */
static inline bool hg_parse_leak_kinds(const char *s, size_t len, unsigned *out) {
  static const char names[4][10] = { "definite", "indirect", "possible", "reachable" };
  return hg_parse_word_set(s, len, &names[0][0], sizeof names[0], 4, out);
}

/* Valgrind's leak check heuristics (--leak-check-heuristics): the interior pointers the
 * leak scan takes for pointers to a block's start (leak_heuristic.h), bits in
 * Valgrind's order, which is its summary's. */
enum {
  HG_HEUR_STDSTRING = 1,
  HG_HEUR_LENGTH64 = 2,
  HG_HEUR_NEWARRAY = 4,
  HG_HEUR_MULTIPLEINHERITANCE = 8,
  HG_HEUR_ALL = 15,
};
#define HG_HEUR_NAMES { "stdstring", "length64", "newarray", "multipleinheritance" }
#define HG_HEUR_NAME_BYTES 20

/* s[0..len): "all", "none", or heuristics separated by commas, into HG_HEUR_ bits. */
static inline bool hg_parse_heuristics(const char *s, size_t len, unsigned *out) {
  static const char names[4][HG_HEUR_NAME_BYTES] = HG_HEUR_NAMES;
  return hg_parse_word_set(s, len, &names[0][0], sizeof names[0], 4, out);
}

#endif

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
#define HG_MAX_SAMPLE_RATE ((size_t)1 << 40)      /* guard.c's sampling clamp */
#define HG_MAX_SAMPLE_MAX ((size_t)1 << 20)       /* 2 pages each: 8 GiB of address space */
#define HG_MAX_SAMPLE_QUARANTINE ((size_t)1 << 19)   /* half of HG_MAX_SAMPLE_MAX */
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

#endif

/* check_bytes.h — check mode's byte runs (check.c): redzones and poison written, and
 * read back to find the first byte changed.  SSE2 (every x86-64 has it), 16 bytes a
 * load or store, the unaligned ends in overlapping loads and stores rather than a byte
 * at a time.  Internal to check.c. */
#ifndef HG_CHECK_BYTES_H
#define HG_CHECK_BYTES_H

#include <emmintrin.h>
#include <stdint.h>
#include <string.h>

#include "check.h"

/* First byte in [from, to) that is not `byte`, or 0.  Poison is checked 64 bytes a
 * step with SSE2 (every x86-64 has it): four compares, one mask, one branch; the
 * unaligned ends in one overlapping 16-byte load each (a byte at a time, they cost
 * about 5 instructions a byte: a third of a 600-byte block's check). */
static inline uintptr_t first_changed(uintptr_t from, uintptr_t to, uint8_t byte) {
  if (to - from < 16 || from >= to) {
    for (uintptr_t a = from; a < to; a++)
      if (*(const uint8_t *)a != byte) return a;
    return 0;
  }
  const __m128i want = _mm_set1_epi8((char)byte);
  unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)from), want));
  if (m != 0xffff) return from + (unsigned)__builtin_ctz(~m);
  uintptr_t a = (from + 16) & ~(uintptr_t)15;   /* [from, a) is checked */
  for (; a + 64 <= to; a += 64) {
    const __m128i *v = (const __m128i *)a;
    __m128i eq = _mm_and_si128(_mm_and_si128(_mm_cmpeq_epi8(v[0], want), _mm_cmpeq_epi8(v[1], want)),
                               _mm_and_si128(_mm_cmpeq_epi8(v[2], want), _mm_cmpeq_epi8(v[3], want)));
    if (_mm_movemask_epi8(eq) != 0xffff) break;
  }
  for (; a + 16 <= to; a += 16) {
    m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(*(const __m128i *)a, want));
    if (m != 0xffff) return a + (unsigned)__builtin_ctz(~m);
  }
  if (a < to) {   /* the last 16 bytes (to - 16 >= from): the first changed is past a */
    m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(to - 16)), want));
    if (m != 0xffff) return to - 16 + (unsigned)__builtin_ctz(~m);
  }
  return 0;
}

/* n bytes of `byte` at p: short runs (redzones, small blocks' poison) inline, in a few
 * overlapping stores (16 bytes a store, or 8, 4, 1 below 16: written as a loop, gcc
 * made it a memset expanded 8 bytes a store, 28 instructions for 32 bytes), the
 * longer ones by memset. */
static inline void fill(void *p, uint8_t byte, size_t n) {
  char *c = p;
  if (n > 64) {
    memset(c, byte, n);
  } else if (n >= 16) {   /* the first and last 16, and the 32 between if any */
    const __m128i v = _mm_set1_epi8((char)byte);
    _mm_storeu_si128((__m128i *)c, v);
    _mm_storeu_si128((__m128i *)(c + n - 16), v);
    if (n > 32) {
      _mm_storeu_si128((__m128i *)(c + 16), v);
      _mm_storeu_si128((__m128i *)(c + n - 32), v);
    }
  } else if (n >= 8) {
    uint64_t w = 0x0101010101010101u * byte;
    memcpy(c, &w, 8);
    memcpy(c + n - 8, &w, 8);
  } else if (n >= 4) {
    uint32_t w = 0x01010101u * byte;
    memcpy(c, &w, 4);
    memcpy(c + n - 4, &w, 4);
  } else if (n) {   /* 1 to 3 bytes: the first, the middle and the last */
    c[0] = (char)byte;
    c[n / 2] = (char)byte;
    c[n - 1] = (char)byte;
  }
}

/* A redzone of an unguarded slot: n >= 16 bytes (R >= 16 on each side, check.c), so
 * fill's tests for shorter runs are not made. */
static inline void fill_redzone(void *p, size_t n) {
  char *c = p;
  if (n > 64) {
    memset(c, HG_CHECK_REDZONE_BYTE, n);
    return;
  }
  const __m128i v = _mm_set1_epi8((char)HG_CHECK_REDZONE_BYTE);
  _mm_storeu_si128((__m128i *)c, v);
  _mm_storeu_si128((__m128i *)(c + n - 16), v);
  if (n > 32) {
    _mm_storeu_si128((__m128i *)(c + 16), v);
    _mm_storeu_si128((__m128i *)(c + n - 32), v);
  }
}

#endif

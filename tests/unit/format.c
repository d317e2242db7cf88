/* unit/format: hg_format, the allocation-free printf of src/report.c.
 *
 * Every conversion it documents (%s %c %d %u %zu %zd %lu %ld %llu %x %lx %zx %p %%),
 * widths for numbers, NULL strings, and truncation into small buffers (always
 * NUL-terminated, returning the length written).  Where the output should agree with
 * snprintf, it is compared with snprintf.
 */
#include "check.h"

#include <limits.h>
#include <stdarg.h>

#include "internal.h"

static char got[512], want[512];

/* hg_format and snprintf of the same arguments must agree, also in length */
#define SAME(...)                                                                          \
  do {                                                                                     \
    size_t n_ = hg_format(got, sizeof got, __VA_ARGS__);                                   \
    int w_ = snprintf(want, sizeof want, __VA_ARGS__);                                     \
    CHECKF(strcmp(got, want) == 0, "%s: hg_format gave \"%s\", snprintf \"%s\"", #__VA_ARGS__, \
           got, want);                                                                     \
    CHECKF(n_ == (size_t)w_, "%s: hg_format returned %zu, snprintf %d", #__VA_ARGS__, n_, w_); \
  } while (0)

/* hg_format must produce exactly `expect` */
#define GIVES(expect, ...)                                                                 \
  do {                                                                                     \
    size_t n_ = hg_format(got, sizeof got, __VA_ARGS__);                                   \
    CHECKF(strcmp(got, (expect)) == 0, "%s: gave \"%s\", expected \"%s\"", #__VA_ARGS__, got, \
           (expect));                                                                      \
    CHECKF(n_ == strlen(expect), "%s: returned %zu, expected %zu", #__VA_ARGS__, n_,        \
           strlen(expect));                                                                \
  } while (0)

static size_t via_vformat(char *buf, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t n = hg_vformat(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

int main(void) {
  /* ---- plain text, %s, %c, %% ---- */
  SAME("hello");
  SAME("%s", "");
  SAME("%s", "abc");
  SAME("[%s|%s]", "one", "two");
  SAME("%c%c%c", 'x', 'y', 'z');
  SAME("100%%");
  SAME("%%%s%%", "in");
  GIVES("(null)", "%s", (const char *)hg_opaque(NULL));
  GIVES("a(null)b", "a%sb", (const char *)hg_opaque(NULL));
  GIVES("", "%s", "");

  /* ---- signed ---- */
  SAME("%d", 0);
  SAME("%d", 42);
  SAME("%d", -1);
  SAME("%d", -12345);
  SAME("%d", INT_MAX);
  SAME("%d", INT_MIN);
  SAME("%ld", 0L);
  SAME("%ld", -987654321012L);
  SAME("%ld", LONG_MAX);
  SAME("%ld", LONG_MIN);
  SAME("%zd", (ptrdiff_t)-4096);
  SAME("%zd", (ptrdiff_t)PTRDIFF_MAX);
  SAME("%zd", (ptrdiff_t)PTRDIFF_MIN);

  /* ---- unsigned ---- */
  SAME("%u", 0u);
  SAME("%u", 7u);
  SAME("%u", UINT_MAX);
  SAME("%zu", (size_t)0);
  SAME("%zu", (size_t)131072);
  SAME("%zu", SIZE_MAX);
  SAME("%lu", 0UL);
  SAME("%lu", ULONG_MAX);
  SAME("%llu", 0ULL);
  SAME("%llu", 1234567890123456789ULL);
  SAME("%llu", ULLONG_MAX);

  /* ---- hex ---- */
  SAME("%x", 0u);
  SAME("%x", 255u);
  SAME("%x", 0xdeadbeefu);
  SAME("%x", UINT_MAX);
  SAME("%lx", 0UL);
  SAME("%lx", 0x123456789abcdefUL);
  SAME("%lx", ULONG_MAX);
  SAME("%zx", (size_t)4096);
  SAME("%zx", SIZE_MAX);

  /* ---- %p: 0x-prefixed lower-case hex (glibc prints NULL as "(nil)", we do not) ---- */
  SAME("%p", (void *)0x1234);
  SAME("%p", (void *)0x7ffff7a3c010);
  SAME("%p", (void *)UINTPTR_MAX);
  GIVES("0x0", "%p", hg_opaque(NULL));
  {
    int local;
    SAME("at %p", (void *)&local);
  }

  /* ---- widths (numbers only) ---- */
  SAME("%10zu", (size_t)42);
  SAME("%10zu", (size_t)1234567890123);   /* wider than the width: not truncated */
  SAME("%1zu", (size_t)0);
  SAME("%5d", -42);
  SAME("%5d", 42);
  SAME("%3d", INT_MIN);
  SAME("%8x", 0xabcu);
  SAME("%12lx", 0xfeedUL);
  SAME("%6u|%s|", 12u, "x");
  SAME("%20llu", ULLONG_MAX);
  SAME("%4ld", -7L);
  SAME("%7zd", (ptrdiff_t)-300);
  SAME("%9zx", (size_t)0xfff);
  SAME("[%3u][%3d]", 5u, 5);

  /* ---- mixtures, as the allocator's messages use them ---- */
  SAME("double free of %p (%u-byte block)", (void *)0x55550000a010, 48u);
  SAME("invalid %s of %p (%zu bytes into a %zu-byte block at %p)", "free", (void *)0x1010,
       (size_t)16, (size_t)4096, (void *)0x1000);
  SAME("this build needs %zu-byte pages; the kernel uses %zu", (size_t)4096, (size_t)16384);
  SAME("%s%d%s%u%s", "a", -1, "b", 2u, "c");

  /* ---- truncation: always NUL-terminated, returns the length written ---- */
  {
    char small[8];
    memset(small, 'Z', sizeof small);
    size_t n = hg_format(small, sizeof small, "%s", "abcdefghijkl");
    CHECK_EQU(n, 7);
    CHECK(strcmp(small, "abcdefg") == 0);

    memset(small, 'Z', sizeof small);
    n = hg_format(small, sizeof small, "%zu", (size_t)123456789012);
    CHECK_EQU(n, 7);
    CHECK(strcmp(small, "1234567") == 0);

    memset(small, 'Z', sizeof small);
    n = hg_format(small, sizeof small, "ab%10zu", (size_t)5);
    CHECK_EQU(n, 7);
    CHECK(strcmp(small, "ab     ") == 0);

    memset(small, 'Z', sizeof small);
    n = hg_format(small, sizeof small, "%p", (void *)0xabcdef123456);
    CHECK_EQU(n, 7);
    CHECK(strcmp(small, "0xabcde") == 0);

    /* exactly fitting: 7 characters + NUL */
    memset(small, 'Z', sizeof small);
    n = hg_format(small, sizeof small, "%d", -123456);
    CHECK_EQU(n, 7);
    CHECK(strcmp(small, "-123456") == 0);

    /* one more than fits */
    memset(small, 'Z', sizeof small);
    n = hg_format(small, sizeof small, "%d", -1234567);
    CHECK_EQU(n, 7);
    CHECK(strcmp(small, "-123456") == 0);

    /* size 1: only the NUL */
    memset(small, 'Z', sizeof small);
    n = hg_format(small, 1, "%s", "xyz");
    CHECK_EQU(n, 0);
    CHECK_EQ(small[0], '\0');
    CHECK_EQ(small[1], 'Z');

    /* size 0: nothing written at all */
    memset(small, 'Z', sizeof small);
    n = hg_format(small, 0, "%s", "xyz");
    CHECK_EQU(n, 0);
    CHECK_EQ(small[0], 'Z');

    /* nothing beyond size is ever touched */
    char guard[16];
    memset(guard, 'G', sizeof guard);
    n = hg_format(guard, 4, "%s %d %p %zu", "long string here", -99, (void *)0x1000, SIZE_MAX);
    CHECK_EQU(n, 3);
    CHECK(memcmp(guard, "lon\0", 4) == 0);
    for (size_t i = 4; i < sizeof guard; i++) CHECKF(guard[i] == 'G', "byte %zu overwritten", i);

    /* every buffer size for one format: the result is snprintf's, cut short */
    const char *fmt = "x=%d y=%zu p=%p s=%s";
    int full = snprintf(want, sizeof want, fmt, -17, (size_t)99999, (void *)0xbeef, "str");
    for (size_t size = 1; size <= (size_t)full + 3; size++) {
      char buf[64];
      memset(buf, 'Q', sizeof buf);
      size_t r = hg_format(buf, size, fmt, -17, (size_t)99999, (void *)0xbeef, "str");
      size_t expect = size - 1 < (size_t)full ? size - 1 : (size_t)full;
      CHECKF(r == expect, "size %zu: returned %zu, expected %zu", size, r, expect);
      CHECKF(memcmp(buf, want, expect) == 0 && buf[expect] == '\0',
             "size %zu: \"%s\" is not a NUL-terminated prefix of \"%s\"", size, buf, want);
      CHECKF(size >= sizeof buf || buf[size] == 'Q', "size %zu: wrote past the buffer", size);
    }
  }

  /* ---- hg_vformat is the same formatter ---- */
  {
    char buf[64];
    size_t n = via_vformat(buf, sizeof buf, "%s=%zu %d %p", "k", (size_t)3, -3, (void *)0x10);
    CHECK_EQU(n, strlen("k=3 -3 0x10"));
    CHECK(strcmp(buf, "k=3 -3 0x10") == 0);
  }
  return check_finish();
}

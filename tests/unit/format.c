/* unit/format: hg_format, the allocation-free printf of src/report.c.
 *
 * Every conversion it documents (%s %c %d %i %u %o %x %X %p %% with every length),
 * flags, widths and precisions (against snprintf, also exhaustively over their
 * combinations), arguments kept in step past conversions it does not format,
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

/* A format the compiler cannot see (tests of what its check refuses) */
static const char *unchecked(const char *fmt) { return hg_opaque((void *)fmt); }

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

  /* ---- flags, precision, '*', every length modifier ---- */
  SAME("%05d|%-5d|%+d|% d|%+05d", 42, 42, 42, 42, -42);
  SAME("%.3d|%.0d|%.0d|%5.3d|%-8.4d|", 7, 0, 5, -7, 12);
  SAME("%#x|%#X|%#o|%#o|%#x|%#.0o", 255u, 255u, 8u, 0u, 0u, 0u);
  SAME("%-#10x|%#010lx", 0x1fu, 0xbeefUL);
  SAME("%X|%lX|%o|%lo|%llo", 0xdeadbeefu, ULONG_MAX, 0777u, 01234567UL, ULLONG_MAX);
  SAME("%i|%li|%lli|%hi|%hhi", -5, -6L, -7LL, (short)-8, (signed char)-9);
  SAME("%hu|%hhu|%hx|%hhx", (unsigned short)65535, (unsigned char)255, (unsigned short)0x1234,
       (unsigned char)0xab);
  SAME("%hd|%hhd", 70000, 300);   /* converted to short and char, as printf does */
  SAME("%jd|%ju|%td|%tu|%zd", (intmax_t)INTMAX_MIN, (uintmax_t)UINTMAX_MAX, (ptrdiff_t)-3,
       (size_t)3, (ssize_t)-1);
  SAME("%*d|%-*d|%*d|%.*d|%.*d", 6, 1, 6, 2, -6, 3, 4, 5, -1, 6);
  SAME("%.2s|%.0s|%-6s|%6s|%.10s|%*.*s|", "abcdef", "abc", "ab", "ab", "abc", 5, 2, "xyz");
  SAME("%5c|%-3c|", 'a', 'b');
  SAME("%20p|%-20p|", (void *)0x1234, (void *)0x5678);
  /* formats gcc's check would refuse, built as a program might get them wrong */
  {
    char buf[64];
    CHECK(via_vformat(buf, sizeof buf, unchecked("%y")) == 2 && strcmp(buf, "%y") == 0);   /* as written */
    CHECK(via_vformat(buf, sizeof buf, unchecked("%-5y %d"), 7) == 6 && strcmp(buf, "%-5y 7") == 0);   /* nothing consumed */
    CHECK(via_vformat(buf, sizeof buf, unchecked("x%")) == 2 && strcmp(buf, "x%") == 0);   /* a lone % at the end */
    CHECK(via_vformat(buf, sizeof buf, unchecked("x%-3")) == 4 && strcmp(buf, "x%-3") == 0);
  }
  GIVES("%.2f then 9 done", "%.2f then %d %s", 1.5, 9, "done");   /* kept in step */
  GIVES("%Lg and 3", "%Lg and %d", (long double)2.5, 3);
  {
    int stored = 12345;
    GIVES("ab4", "ab%n%d", &stored, 4);          /* %n consumed, never stored */
    CHECK_EQ(stored, 12345);
  }

  /* Every flag set with every width and precision, for each integer conversion, against
   * snprintf (formats built at run time: the combinations, not a hand-picked few). */
  {
    static const char *const flag_sets[] = { "", "-", "0", "+", " ", "#", "-0", "+0", "- ", "#0", "-#", "+ 0-#" };
    static const char *const widths[] = { "", "1", "4", "12" };
    static const char *const precs[] = { "", ".", ".0", ".1", ".5", ".20" };
    static const char convs[] = "diuxXo";
    static const long long values[] = { 0, 1, -1, 7, -42, 255, 4096, INT_MAX, INT_MIN, -2147483647LL };
    int compared = 0;
    for (size_t fl = 0; fl < sizeof flag_sets / sizeof *flag_sets; fl++)
      for (size_t w = 0; w < sizeof widths / sizeof *widths; w++)
        for (size_t pr = 0; pr < sizeof precs / sizeof *precs; pr++)
          for (const char *c = convs; *c; c++) {
            bool is_signed = *c == 'd' || *c == 'i';
            /* skip what C leaves undefined: # on d/i/u, + and space on unsigned */
            if (strchr(flag_sets[fl], '#') && (is_signed || *c == 'u')) continue;
            if (!is_signed && strpbrk(flag_sets[fl], "+ ")) continue;
            char fmt[32];
            snprintf(fmt, sizeof fmt, "[%%%s%s%s%c]", flag_sets[fl], widths[w], precs[pr], *c);
            for (size_t v = 0; v < sizeof values / sizeof *values; v++) {
              int iv = (int)values[v];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
              size_t n = hg_format(got, sizeof got, fmt, iv);
              int wn = snprintf(want, sizeof want, fmt, iv);
#pragma GCC diagnostic pop
              CHECKF(strcmp(got, want) == 0 && n == (size_t)wn, "\"%s\" of %d: hg_format \"%s\", snprintf \"%s\"",
                     fmt, iv, got, want);
              compared++;
            }
          }
    CHECKF(compared > 5000, "only %d formats compared", compared);
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

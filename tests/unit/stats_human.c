/* unit/stats_human: the stats table's sizes and percentages (src/stats_out.c's human
 * and pct) with extreme values.  human() multiplied the byte count by 10 before
 * scaling, which wraps above 1.8 EB (SIZE_MAX / 10), and pct() multiplied the part
 * by 10000, which wraps above 1.8 PB: the table then showed small nonsense sizes and
 * shares.  stats_out.c is compiled into this test (its helpers are static). */
#include "check.h"

#include "stats_out.c"

#define HUMAN(bytes, expect)                                                               \
  do {                                                                                     \
    char b_[32];                                                                           \
    human(b_, sizeof b_, bytes);                                                           \
    CHECKF(strcmp(b_, expect) == 0, "human(%#zx): \"%s\", expected \"%s\"", (size_t)(bytes), \
           b_, expect);                                                                    \
  } while (0)

#define PCT(part, whole, expect)                                                           \
  do {                                                                                     \
    char b_[32];                                                                           \
    pct(b_, sizeof b_, part, whole);                                                       \
    CHECKF(strcmp(b_, expect) == 0, "pct(%#zx, %#zx): \"%s\", expected \"%s\"",            \
           (size_t)(part), (size_t)(whole), b_, expect);                                   \
  } while (0)

int main(void) {
  const size_t TiB = (size_t)1 << 40;
  HUMAN(1000, "1000 bytes");
  HUMAN(1536, "1.5 KiB");
  HUMAN(3 * TiB / 2, "1.5 TiB");
  HUMAN(SIZE_MAX / 10, "1677721.5 TiB");   /* the last size that did not wrap */
  HUMAN((size_t)1 << 62, "4194304.0 TiB");
  HUMAN(SIZE_MAX, "16777215.9 TiB");
  PCT(1, 4, "25.00");
  PCT(0, 0, "0.00");
  PCT((size_t)1 << 60, (size_t)1 << 61, "50.00");
  PCT(SIZE_MAX, SIZE_MAX, "100.00");
  PCT(SIZE_MAX / 4, SIZE_MAX, "25.00");
  return check_finish();
}

/* unit/trace_format: the trace's reasons with extreme sizes (src/trace_format.c).
 *
 * A failed brk or mmap for a hostile request (malloc(1 << 62) with M_MMAP_MAX 0) is
 * traced like any other call: its sizes must be shown right, not wrapped (v * 10
 * overflowed above 1.6 EiB: "grow heap by 838860.8 TiB" for 4 EiB), and every line,
 * however extreme its values, stays inside its buffer.
 */
#include "check.h"

#include <stdbool.h>

#include "trace_format.h"

static char line[512];

/* The reason for a brk that grows the heap by `bytes`. */
static const char *grow_reason(size_t bytes) {
  struct hg_trace_buf b = { line, sizeof line - 1, 0 };
  struct hg_trace_ctx c = { 0 };
  long args[6] = { 0x1000, (long)bytes, 0, 0, 0, 0 };
  hg_trace_format_syscall(&b, false, HG_SYS_BRK, args, -12, HG_WHY_HEAP_GROW, &c);
  if (b.len > b.size) b.len = b.size;
  line[b.len] = '\0';
  const char *r = strstr(line, "# ");
  return r ? r + 2 : line;
}

#define REASON(bytes, expect)                                                              \
  do {                                                                                     \
    const char *r_ = grow_reason(bytes);                                                   \
    CHECKF(strcmp(r_, expect) == 0, "%#zx: \"%s\", expected \"%s\"", (size_t)(bytes), r_,  \
           expect);                                                                        \
  } while (0)

int main(void) {
  const size_t TiB = (size_t)1 << 40;
  REASON(100, "grow heap by 100 bytes");
  REASON(1536, "grow heap by 1.5 KiB");
  REASON(3 * TiB / 2, "grow heap by 1.5 TiB");
  /* above SIZE_MAX / 10: the tenths were computed from a wrapped v * 10 */
  REASON(((size_t)1 << 62) + 12345 * 4096, "grow heap by 4194304.0 TiB");
  REASON(((size_t)1 << 62) + TiB / 2, "grow heap by 4194304.5 TiB");
  REASON(SIZE_MAX - 4095, "grow heap by 16777216.0 TiB");
  REASON(SIZE_MAX, "grow heap by 16777216.0 TiB");
  REASON((size_t)1 << 63, "grow heap by 8388608 TiB");

  /* every reason with the largest values: the line stays in its buffer */
  for (unsigned why = 0; why < 24; why++)
    for (unsigned sys = 0; sys < 8; sys++) {
      char small[40];
      struct hg_trace_ctx c = { why, why % 4, SIZE_MAX, SIZE_MAX - 1, SIZE_MAX, SIZE_MAX };
      long args[6] = { -1, -1, -1, -1, -1, -1 };
      if (sys == HG_SYS_PROCESS_MADVISE) continue;   /* args[1] is a real iovec there */
      struct hg_trace_buf b = { line, sizeof line, 0 };
      hg_trace_format_syscall(&b, true, sys, args, -1, why, &c);
      CHECKF(b.len < sizeof line, "why %u sys %u: a %zu-byte line", why, sys, b.len);
      memset(small, 'Z', sizeof small);
      struct hg_trace_buf s = { small, sizeof small - 8, 0 };
      hg_trace_format_syscall(&s, true, sys, args, -1, why, &c);
      CHECK(memcmp(small + sizeof small - 8, "ZZZZZZZZ", 8) == 0);
    }
  return check_finish();
}

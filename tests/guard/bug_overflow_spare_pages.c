// env: HEAPGUARD_GUARD_ALIGN=1 HEAPGUARD_QUARANTINE=320K
// expect-error: heap-buffer-overflow
// expect-text: ERROR: heap-buffer-overflow: READ past the end of a 10000-byte block
// expect-text: at 0x[0-9a-f]+: main \(bug_overflow_spare_pages\.c:20\)
// expect-text: ERROR SUMMARY: 1 errors from 1 contexts
/* Multi-page slots reused as spares (spare_pages.h): none shows an old block's bytes,
   calloc's are zero, and the byte after a block in a reused slot is still its guard
   page, faulting at once. */
#include <stdio.h>

#include "spare_pages.h"

int main(void) {
  int bad = spare_exercise();
  if (bad) return bad;
  unsigned char *q = malloc(10000);
  if (!q) return 2;
  memset(q, 1, 10000);
  volatile unsigned char c;
  c = q[10000];                 /* BUG */
  printf("never printed %d\n", c);
  return 0;
}

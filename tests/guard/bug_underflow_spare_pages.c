// env: HEAPGUARD_GUARD_SIDE=before HEAPGUARD_QUARANTINE=320K
// expect-error: heap-buffer-underflow
// expect-text: ERROR: heap-buffer-underflow: READ before the start of a 20000-byte block
// expect-text: main \(bug_underflow_spare_pages\.c:20\)
// expect-text: ERROR SUMMARY: 1 errors from 1 contexts
/* With the guard page before each block, a block in a reused multi-page slot (spare
   _pages.h) still starts flush against it: the byte before faults at once; and the
   spares show no old bytes. */
#include <stdio.h>

#include "spare_pages.h"

int main(void) {
  int bad = spare_exercise();
  if (bad) return bad;
  unsigned char *q = malloc(20000);
  if (!q) return 2;
  memset(q, 1, 20000);
  volatile unsigned char c;
  c = q[-1];                 /* BUG */
  printf("never printed %d\n", c);
  return 0;
}

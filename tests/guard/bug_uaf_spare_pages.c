// env: HEAPGUARD_QUARANTINE=320K
// expect-error: heap-use-after-free
// expect-text: ERROR: heap-use-after-free: WRITE to a 30000-byte block after it was freed
// expect-text: main \(bug_uaf_spare_pages\.c:20\)
// expect-text: ERROR SUMMARY: 1 errors from 1 contexts
/* A block in a reused multi-page slot (spare_pages.h), freed, is inaccessible at once
   again: a write into its middle faults and is reported as a use after free. */
#include <stdio.h>

#include "spare_pages.h"

int main(void) {
  int bad = spare_exercise();
  if (bad) return bad;
  unsigned char *q = malloc(30000);
  if (!q) return 2;
  memset(q, 1, 30000);
  free(q);
  volatile unsigned char *v = q;
  v[15000] = 2;                 /* BUG */
  printf("never printed\n");
  return 0;
}

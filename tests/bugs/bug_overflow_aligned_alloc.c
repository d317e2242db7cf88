// expect-error: heap-buffer-overflow
// expect-text: is 0 bytes after a block of size 4,?096
// expect-text: bug_overflow_aligned_alloc\.c:9\)
/* Overflow of a page-aligned block from aligned_alloc (4096 bytes). */
#include <stdlib.h>
#include <string.h>

int main(void) {
  char *p = aligned_alloc(4096, 4096);
  memset(p, 1, 4096);
  p[4096] = 2;                           /* BUG: one past the end */
  free(p);
  return 0;
}

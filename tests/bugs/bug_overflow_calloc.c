// expect-error: heap-buffer-overflow
// expect-text: is 0 bytes after a block of size 40
// expect-text: bug_overflow_calloc\.c:8\)
/* Overflow of a calloc'd array: 10 ints, and an eleventh stored. */
#include <stdlib.h>

int main(void) {
  int *a = calloc(10, sizeof(int));
  a[10] = 1;                             /* BUG: a has 10 elements */
  free(a);
  return 0;
}

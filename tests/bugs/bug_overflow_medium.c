// expect-error: heap-buffer-overflow
// expect-text: is 0 bytes after a block of size 40,?960
// expect-text: bug_overflow_medium\.c:11\)
/* Overflow of a medium block: 40 KiB (from the heap, below the mmap threshold),
   one byte written just past its end. */
#include <stdlib.h>
#include <string.h>

int main(void) {
  size_t n = 40 * 1024;
  char *p = malloc(n);
  memset(p, 0, n + 1);                   /* BUG: one byte too many */
  free(p);
  return 0;
}

// expect-error: heap-buffer-overflow
// expect-text: is 0 bytes after a block of size 1,?048,?576
// expect-text: bug_overflow_large\.c:10\)
/* Overflow of a large block: 1 MiB (above the mmap threshold: a mapping of its own),
   one int stored just past its end. */
#include <stdlib.h>

int main(void) {
  size_t count = 1024 * 1024 / sizeof(int);
  int *p = malloc(count * sizeof(int));
  for (size_t i = 0; i <= count; i++)    /* BUG: <= stores count + 1 ints */
    p[i] = (int)i;
  free(p);
  return 0;
}

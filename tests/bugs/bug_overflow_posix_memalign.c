// expect-error: heap-buffer-overflow
// expect-text: is 0 bytes after a block of size 200
// expect-text: bug_overflow_posix_memalign\.c:10\)
/* Overflow of a block from posix_memalign (256-byte aligned, 200 bytes). */
#include <stdlib.h>
#include <string.h>

int main(void) {
  void *v;
  if (posix_memalign(&v, 256, 200) != 0) return 1;
  char *p = v;
  p[200] = 1;                            /* BUG: one past the end */
  free(p);
  return 0;
}

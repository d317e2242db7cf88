// expect-error: heap-buffer-overflow
// expect-text: is 0 bytes after a block of size 100
// expect-text: bug_overflow_memalign\.c:10\)
/* Overflow of a block from memalign (64-byte aligned, 100 bytes). */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  char *p = memalign(64, 100);
  memset(p, 1, 101);                     /* BUG: 101 bytes into 100 */
  free(p);
  return 0;
}

// expect-error: heap-buffer-overflow
// expect-text: is 7 bytes after a block of size 20
// expect-text: bug_overflow_far\.c:9\)
/* A write several bytes past the end (not the byte right after it): p[27] on a
   20-byte block, as a wrong index computation would do. */
#include <stdlib.h>

int main(void) {
  char *p = malloc(20);
  int header = 7;
  p[20 + header] = 'x';                  /* BUG: 7 bytes past the end */
  free(p);
  return 0;
}

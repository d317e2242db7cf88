// expect-error: heap-buffer-overflow
// expect-error: double-free
// expect-text: ERROR SUMMARY: 2 errors from 2 contexts
// expect-text: bug_two_errors\.c:14\)
// expect-text: bug_two_errors\.c:17\)
/* Two different bugs in one program: check mode reports and goes on, so both are
   reported (an overflow found at its free, then a double free). */
#include <stdlib.h>
#include <string.h>

int main(void) {
  char *a = malloc(8);
  memset(a, 0, 9);                       /* BUG 1: one byte past the end */
  free(a);                               /* found here */
  char *b = malloc(24);
  free(b);
  free(b);                               /* BUG 2: double free */
  return 0;
}

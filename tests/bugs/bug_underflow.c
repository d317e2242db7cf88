// expect-error: heap-buffer-underflow
// expect-text: is 1 bytes before a block of size 32
// expect-text: bug_underflow\.c:9\)
/* Underflow: a write one byte before the block, p[-1], as a loop counting down past
   zero would do. */
#include <stdlib.h>

int main(void) {
  char *p = malloc(32);
  for (int i = 31; i >= -1; i--)         /* BUG: >= -1 also writes p[-1] */
    p[i] = 'z';
  free(p);
  return 0;
}

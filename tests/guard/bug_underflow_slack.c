// expect-error: heap-buffer-underflow
// expect-text: ERROR: heap-buffer-underflow: write before the start of a 40-byte block
// expect-text: at free \(heapguard\)
// expect-text: bug_underflow_slack\.c:13\)
// sampled: 134
/* With the guard page after the block, the bytes before it are slack holding the
   redzone pattern: a write there is found when the block is freed, as in check mode. */
#include <stdlib.h>

int main(void) {
  char *p = malloc(40);
  p[-3] = 'x';                           /* BUG, in the slack: no fault */
  free(p);
  return 0;
}

// expect-error: heap-buffer-overflow
// expect-text: ERROR SUMMARY: 3 errors from 1 contexts
// expect-text: bug_same_error_thrice\.c:10\)
/* The same bug at the same place three times: one report, counted three times in
   the summary. */
#include <stdlib.h>

int main(void) {
  for (int i = 0; i < 3; i++) {
    char *p = malloc(12);
    p[12] = 0;                           /* BUG: one past the end, every time */
    free(p);
  }
  return 0;
}

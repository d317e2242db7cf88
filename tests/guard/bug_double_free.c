// expect-error: double-free
// expect-text: ERROR: double-free: free\(0x[0-9a-f]+\) of a block that was already freed
// expect-text: bug_double_free\.c:14\)
// expect-text: bug_double_free\.c:13\)
// expect-text: bug_double_free\.c:12\)
// sampled: 134
/* A double free: reported with the three stacks (in sampled mode, the report, then the
   default allocator's abort). */
#include <stdlib.h>

int main(void) {
  char *p = malloc(48);
  free(p);
  free(p);                 /* BUG */
  return 0;
}

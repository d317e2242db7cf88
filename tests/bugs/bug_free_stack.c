// expect-error: invalid-free
// expect-text: bug_free_stack\.c:9\)
/* free() of a stack variable's address: it was never allocated. */
#include <stdlib.h>

int main(void) {
  int on_stack = 1;
  int *p = &on_stack;
  free(p);                               /* BUG: p points to the stack */
  return 0;
}

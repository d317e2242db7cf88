// expect-error: invalid-realloc
// expect-text: bug_realloc_stack\.c:10\)
/* realloc() of a stack buffer, as if it had come from malloc. */
#include <stdlib.h>
#include <string.h>

int main(void) {
  char buf[32];
  memset(buf, 1, sizeof buf);
  char *q = realloc(buf, 64);            /* BUG: buf is on the stack */
  free(q);
  return 0;
}

// expect-error: invalid-realloc
// expect-text: bug_realloc_freed\.c:11\)
/* realloc() of a block that was already freed. */
#include <stdlib.h>
#include <string.h>

int main(void) {
  char *p = malloc(32);
  memset(p, 1, 32);
  free(p);
  char *q = realloc(p, 64);              /* BUG: p was freed */
  free(q);
  return 0;
}

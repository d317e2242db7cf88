// expect-error: double-free
// expect-text: bug_double_free_small\.c:11\)
// expect-text: bug_double_free_small\.c:12\)
// expect-text: Block was (freed|alloc'd) at
/* The seed's double free: the same small block freed twice. */
#include <stdlib.h>

int main(void) {
  int *p = malloc(sizeof(int));
  *p = 42;
  free(p);
  free(p);                               /* BUG: freed again */
  return 0;
}

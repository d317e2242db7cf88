// expect-error: double-free
// expect-text: bug_double_free_large\.c:11\)
/* Double free of a large block (1 MiB, a mapping of its own). */
#include <stdlib.h>
#include <string.h>

int main(void) {
  char *p = malloc(1 << 20);
  memset(p, 1, 1 << 20);
  free(p);
  free(p);                               /* BUG: freed again */
  return 0;
}

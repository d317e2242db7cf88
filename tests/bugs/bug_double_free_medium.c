// expect-error: double-free
// expect-text: bug_double_free_medium\.c:11\)
/* Double free of a medium block (40 KiB, from the heap). */
#include <stdlib.h>
#include <string.h>

int main(void) {
  char *p = malloc(40 * 1024);
  memset(p, 1, 40 * 1024);
  free(p);
  free(p);                               /* BUG: freed again */
  return 0;
}

// expect-error: invalid-free
// expect-text: bug_free_global\.c:10\)
/* free() of a global array: static storage, never allocated. */
#include <stdlib.h>

char table[64];

int main(void) {
  char *p = table;
  free(p);                               /* BUG: p points to a global */
  return 0;
}

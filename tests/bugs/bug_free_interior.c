// expect-error: invalid-free
// expect-text: is 8 bytes inside a block of size 64 alloc'd
// expect-text: bug_free_interior\.c:12\)
/* free() of a pointer into the middle of a block, not the one malloc returned. */
#include <stdlib.h>
#include <string.h>

int main(void) {
  char *block = malloc(64);
  memset(block, 0, 64);
  char *field = block + 8;
  free(field);                           /* BUG: interior pointer */
  free(block);
  return 0;
}

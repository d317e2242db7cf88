// expect-error: invalid-free
// expect-text: bug_free_literal\.c:10\)
/* free() of a string literal (read-only data): the pointer holds either a malloc'd
   string or a default literal, and the code frees it either way. */
#include <stdlib.h>

int main(int argc, char **argv) {
  (void)argv;
  char *name = argc > 5 ? malloc(8) : "default";
  free(name);                            /* BUG: name is the literal */
  return 0;
}

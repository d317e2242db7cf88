// expect-error: heap-use-after-free
// expect-text: is 0 bytes inside a block of size 4 free'd
// expect-text: Block was (freed|alloc'd) at
// expect-text: bug_uaf\.c:10\)
// expect-text: bug_uaf\.c:12\)
/* The seed's uaf.c: a block is freed, then written through the dangling pointer. */
#include <stdlib.h>

int main(void) {
  int *p = malloc(sizeof(int));
  *p = 42;
  free(p);                               /* p is now a dangling pointer */
  *p = 99;                               /* BUG: writing to freed memory */
  return 0;
}

// expect-error: heap-use-after-free
// expect-text: is 16 bytes inside a block of size 1,?048,?576 free'd
// expect-text: bug_uaf_large\.c:11\)
/* Use after free of a large (mmap'd) block: freed, then written 16 bytes in. */
#include <stdlib.h>
#include <string.h>

int main(void) {
  char *p = malloc(1 << 20);
  memset(p, 1, 1 << 20);
  free(p);
  p[16] = 2;                             /* BUG: write into the freed block */
  return 0;
}

// expect-error: heap-use-after-free
// expect-text: READ of a 1048576-byte block after it was freed
// expect-text: is 524288 bytes inside a block of size 1048576 free'd
// expect-text: main \(bug_uaf_large\.c:14\)
/* A freed 1 MiB block read in its middle. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  char *p = malloc(1 << 20);
  memset(p, 3, 1 << 20);
  free(p);
  volatile char c = p[1 << 19];                 /* BUG */
  printf("never printed %d\n", c);
  return 0;
}

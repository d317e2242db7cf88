// expect-error: heap-use-after-free
// expect-text: ERROR: heap-use-after-free: WRITE to a 200-byte block after it was freed
// expect-text: is 16 bytes inside a block of size 200 free'd
// expect-text: main \(bug_uaf_write\.c:16\)
// expect-text: bug_uaf_write\.c:14\)
// sampled: 99
/* A write through a dangling pointer, some time after the free. */
#include <stdlib.h>
#include <string.h>

int main(void) {
  long *p = malloc(200);
  memset(p, 0, 200);
  free(p);
  for (int i = 0; i < 100; i++) free(malloc(32));
  ((volatile long *)p)[2] = 99;                 /* BUG */
  return 0;
}

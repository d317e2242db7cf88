// expect-error: heap-use-after-free
// expect-text: ERROR: heap-use-after-free: READ of a 4-byte block after it was freed
// expect-text: is 0 bytes inside a block of size 4 free'd
// expect-text: main \(bug_uaf_read\.c:18\)
// expect-text: at free \(heapguard\)
// expect-text: bug_uaf_read\.c:17\)
// expect-text: Block was alloc'd at
// expect-text: bug_uaf_read\.c:15\)
// sampled: 99
/* The seed's first example: the freed block is read ("After free: %d"). */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  int *p = malloc(sizeof(int));
  *p = 42;
  free(p);
  printf("After free: %d\n", *p);                 /* BUG */
  return 0;
}

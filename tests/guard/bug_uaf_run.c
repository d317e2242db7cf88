// expect-error: heap-use-after-free
// expect-text: ERROR: heap-use-after-free: READ of a 96-byte block after it was freed
// expect-text: is 0 bytes inside a block of size 96 free'd
// expect-text: main \(bug_uaf_run\.c:27\)
// expect-text: at free \(heapguard\)
// expect-text: bug_uaf_run\.c:26\)
// expect-text: Block was alloc'd at
// expect-text: bug_uaf_run\.c:25\)
// sampled: 99
/* Sampled guard mode opens slots in runs: most samples take a slot made read-write by
   an earlier sample's mprotect, with no system call of their own.  Freeing such a block
   still makes its page inaccessible at once (after enough samples that slots have come
   back out of the quarantine and been opened again in runs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  for (int i = 0; i < 1500; i++) {
    char *p = malloc(96);
    p[0] = (char)i;
    free(p);
  }
  char *q[8];
  for (int i = 0; i < 8; i++) q[i] = memset(malloc(96), i, 96);
  free(q[5]);
  volatile char c = q[5][0];                 /* BUG */
  printf("never printed %d\n", c);
  return 0;
}

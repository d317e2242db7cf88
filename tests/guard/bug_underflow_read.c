// env: HEAPGUARD_GUARD_SIDE=before
// expect-error: heap-buffer-underflow
// expect-text: ERROR: heap-buffer-underflow: READ before the start of a 64-byte block
// expect-text: Address 0x[0-9a-f]+ is 1 bytes before a block of size 64 alloc'd
// expect-text: main \(bug_underflow_read\.c:14\)
/* With --guard-side=before the guard page precedes each block: reading the byte
   before it faults. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  unsigned char *p = malloc(64);
  for (int i = 0; i < 64; i++) p[i] = (unsigned char)i;
  volatile unsigned char c = p[-1];                 /* BUG */
  printf("never printed %d\n", c);
  return 0;
}

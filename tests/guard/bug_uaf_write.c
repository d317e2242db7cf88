// expect-error: heap-use-after-free
// expect-text: ERROR: heap-use-after-free: WRITE to a 200-byte block after it was freed
// expect-text: is 16 bytes inside a block of size 200 free'd
// expect-text: main \(bug_uaf_write\.c:18\)
// expect-text: bug_uaf_write\.c:16\)
// sampled: 99
/* A write through a dangling pointer, some time after the free (50 frees: sampled
   at every malloc, the block is still among the last HEAPGUARD_SAMPLE_QUARANTINE, 64,
   freed; 100 was beyond it: the slot reused, the write reported against its new block). */
#include <stdlib.h>
#include <string.h>

int main(void) {
  long *p = malloc(200);
  memset(p, 0, 200);
  free(p);
  for (int i = 0; i < 50; i++) free(malloc(32));
  ((volatile long *)p)[2] = 99;                 /* BUG */
  return 0;
}

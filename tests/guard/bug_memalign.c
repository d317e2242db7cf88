// expect-error: heap-buffer-overflow
// expect-text: READ past the end of a 128-byte block
// expect-text: is 0 bytes after a block of size 128 alloc'd
// expect-text: at aligned_alloc \(heapguard\)
// expect-text: main \(bug_memalign\.c:16\)
/* aligned_alloc(64, 128): the block keeps its alignment and, its size being a multiple
   of it, still ends at the guard page. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  unsigned char *p = aligned_alloc(64, 128);
  if ((uintptr_t)p % 64) return 3;
  for (int i = 0; i < 128; i++) p[i] = 1;
  volatile unsigned char c = p[128];                 /* BUG */
  (void)c;
  return 0;
}

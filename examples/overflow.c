/* overflow.c — the seed's third deadly bug, a heap buffer overflow: ten ints, and a
 * loop with <= that stores an eleventh, p[10], just past the end of the 40-byte
 * block.  In a classic allocator those bytes are the next chunk's header (size,
 * flags, free-list pointers): the crash comes later, far from the bug.  heapguard
 * keeps its bookkeeping away from your data, and in check mode surrounds every block
 * with redzones: when the block is freed, the damaged redzone is reported with the
 * block's size and where it was allocated.
 * Build: gcc -g -o overflow overflow.c ; run: heapguard check -- ./overflow */
#include <stdlib.h>

int main(void) {
  int *p = malloc(10 * sizeof(int));   /* 40 bytes */
  for (int i = 0; i <= 10; i++) {      /* BUG: off-by-one, writes 11 elements */
    p[i] = i;
  }
  free(p);
  return 0;
}

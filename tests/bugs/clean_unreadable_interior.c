// expect-clean
// expect-text: possibly lost: 8192 bytes in 1 blocks
/* Clean: a global points 8 bytes into a block the program made unreadable
   (mprotect PROT_NONE on its pages).  Valgrind's heuristics (length64, newarray) would
   read the block's first word to decide whether that pointer is as good as one to its
   start, but this block cannot be read: it stays possibly lost (not an error), and the
   scan must not fault.  The global's mapping (the program's data) comes before the
   heap's in the maps: the scan once noted unreadable mappings only as its walk of the
   roots reached them, so it read the block unchecked, and died by SIGSEGV. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

char *inside;

int main(void) {
  size_t *block;
  if (posix_memalign((void **)&block, 4096, 8192) != 0) return 1;
  memset(block, 0, 8192);
  block[0] = 8192 - 8;   /* length64 would call the pointer below one to the start */
  inside = (char *)(block + 1);
  if (mprotect(block, 8192, PROT_NONE) != 0) return 1;
  block = NULL;
  return 0;
}

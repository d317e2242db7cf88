// expect-clean
/* Clean: live blocks the program made unreadable with mprotect, in part or whole, then
   exit without freeing them (glibc's malloc runs this to exit status 0).  The leak scan
   read them and died by SIGSEGV ("the signal came in heapguard's own code").  It must
   skip what cannot be read and scan the rest: `kept` is reachable only through the
   readable second page of `half`, so it is still reachable, not lost. */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void *roots[4];

int main(void) {
  char *half = memalign(4096, 8192);       /* first page PROT_NONE, second readable */
  char *wronly = memalign(4096, 8192);     /* PROT_WRITE only: "-w-p" in the maps */
  char *large = memalign(4096, 1 << 20);   /* a large block, PROT_NONE whole */
  if (!half || !wronly || !large) return 1;
  memset(half, 1, 8192);
  memset(wronly, 2, 8192);
  memset(large, 3, 1 << 20);
  char *kept = strcpy(malloc(32), "only in half's second page");
  memcpy(half + 4096 + 64, &kept, sizeof kept);
  kept = NULL;
  if (mprotect(half, 4096, PROT_NONE) || mprotect(wronly, 8192, PROT_WRITE) ||
      mprotect(large, 1 << 20, PROT_NONE))
    return 1;
  roots[0] = half;
  roots[1] = wronly;
  roots[2] = large;
  return 0;
}

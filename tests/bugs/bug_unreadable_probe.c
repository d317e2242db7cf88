// expect-error: heap-buffer-overflow
// expect-text: found by hg_check_heap\(\)
/* hg_check_heap() asks the kernel about each page it reads while the blocks lie in a
   few dozen pages, instead of reading /proc/self/maps (check.c: PROBES_FIRST): pages
   the program protected must be left unread that way too (a block whose page is
   PROT_NONE, one whose page is PROT_WRITE only, a page holding a small live block and
   a freed one), and an overflow into a readable redzone found.  Before, the maps were
   read at every call.  A probe gone wrong here dies by SIGSEGV, or misses the overflow,
   which the verify at exit then reports instead ("found at exit"). */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "heapguard.h"
#pragma weak hg_check_heap

void *roots[5];

int main(void) {
  char *none = memalign(4096, 100), *wronly = memalign(4096, 200);
  char *small = malloc(100), *freed = malloc(100), *bad = malloc(40);
  if (!none || !wronly || !small || !freed || !bad) return 1;
  free(freed);
  memset(none, 1, 100);
  memset(wronly, 2, 200);
  if (mprotect(none, 4096, PROT_NONE) || mprotect(wronly, 4096, PROT_WRITE) ||
      mprotect((void *)((uintptr_t)freed & ~(uintptr_t)4095), 4096, PROT_NONE))
    return 1;
  roots[0] = none;
  roots[1] = wronly;
  roots[2] = small;
  roots[3] = bad;
  if (!hg_check_heap) return 0;   /* (glibc's run: nothing to call) */
  if (hg_check_heap() != 0) return 2;   /* clean so far, protected pages and all */
  /* The report below allocates (symbolising): slots of that page would be handed out. */
  if (mprotect((void *)((uintptr_t)freed & ~(uintptr_t)4095), 4096, PROT_READ | PROT_WRITE)) return 1;
  bad[40] = 'x';   /* the bug */
  hg_check_heap();
  return 0;
}

// expect-clean
/* Clean: live blocks the program made unreadable with mprotect, whose redzones share
   the protected pages (memalign(4096, 100): the block's page holds its right redzone
   too), then hg_check_heap() and exit without freeing them: glibc's malloc runs this to
   exit status 0.  The redzone verify (on demand and at exit) read the protected pages
   and died by SIGSEGV.  It must verify the bytes it can read and leave the rest; an
   overflow into a readable redzone is still found (bug_unreadable_verify.c).  Also a
   page holding a live small block and a freed one (quarantined in check mode: its
   poison is verified at exit), made unreadable: glibc touches neither at exit. */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "heapguard.h"
#pragma weak hg_check_heap

void *roots[4];

int main(void) {
  char *none = memalign(4096, 100);      /* PROT_NONE: block and right redzone */
  char *wronly = memalign(4096, 200);    /* PROT_WRITE only: "-w-p" in the maps */
  char *large = malloc(1 << 20);         /* its last page, with the redzone, PROT_NONE */
  char *small = malloc(100), *freed = malloc(100);
  if (!none || !wronly || !large || !small || !freed) return 1;
  free(freed);
  memset(none, 1, 100);
  memset(wronly, 2, 200);
  memset(large, 3, 1 << 20);
  uintptr_t last = ((uintptr_t)large + (1 << 20) - 1) & ~(uintptr_t)4095;
  if (mprotect(none, 4096, PROT_NONE) || mprotect(wronly, 4096, PROT_WRITE) ||
      mprotect((void *)last, 4096, PROT_NONE))
    return 1;
  /* (In guard mode the freed block's page is its own, already inaccessible.) */
  if (mprotect((void *)((uintptr_t)freed & ~(uintptr_t)4095), 4096, PROT_NONE)) return 1;
  roots[0] = none;
  roots[1] = wronly;
  roots[2] = large;
  roots[3] = small;
  if (hg_check_heap && hg_check_heap() != 0) return 2;
  return 0;
}

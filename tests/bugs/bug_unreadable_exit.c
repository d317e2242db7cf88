// expect-error: heap-buffer-overflow
// expect-text: found at exit
/* The verify at exit asks the kernel about each page it reads while the blocks lie in a
   few dozen pages, as hg_check_heap() does (check_verify.c: PROBES_FIRST), instead of
   reading /proc/self/maps, which the leak scan reads after it anyway.  Pages the
   program protected must be left unread that way too (a block whose page is PROT_NONE,
   one whose page is PROT_WRITE only), and the overflow into a readable redzone found.
   (clean_unreadable_verify.c has a page with a freed block too: here the report's own
   allocations could be handed a slot of it.)  It passes on the maps path too, as
   before: it guards the probe path, where a wrong probe dies by SIGSEGV or misses the
   overflow. */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void *roots[3];

int main(void) {
  char *none = memalign(4096, 100), *wronly = memalign(4096, 200), *bad = malloc(40);
  if (!none || !wronly || !bad) return 1;
  memset(none, 1, 100);
  memset(wronly, 2, 200);
  if (mprotect(none, 4096, PROT_NONE) || mprotect(wronly, 4096, PROT_WRITE)) return 1;
  roots[0] = none;
  roots[1] = wronly;
  roots[2] = bad;
  bad[40] = 'x';   /* the bug */
  return 0;
}

// expect-error: heap-buffer-overflow
// expect-text: found at exit
/* An overflow past a block of which the program made a page unreadable: the verify at
   exit reads around the protected page (clean_unreadable_verify.c), not past the whole
   block, so the overflow into its readable redzone is still found. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void *roots[2];

int main(void) {
  char *large = malloc(1 << 20);
  if (!large) return 1;
  memset(large, 3, 1 << 20);
  uintptr_t mid = ((uintptr_t)large + (1 << 19)) & ~(uintptr_t)4095;
  if (mprotect((void *)mid, 4096, PROT_NONE)) return 1;
  large[(1 << 20) + 3] = 'x';   /* the bug */
  roots[0] = large;
  return 0;
}

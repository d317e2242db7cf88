/* uaf.c — the seed's first deadly bug, use-after-free: the block is freed, then the
 * program writes through the pointer it still holds.  Run normally, nothing visible
 * happens (that is what makes it dangerous): the allocator may already have handed
 * that memory to someone else, whose data the write silently corrupts.  Valgrind
 * reports it; so does heapguard's check mode, which keeps freed blocks poisoned in a
 * quarantine and reports the write, with the stacks of the malloc and of the free,
 * when the block leaves the quarantine or at exit.
 * Build: gcc -g -o uaf uaf.c ; run: heapguard check -- ./uaf */
#include <stdlib.h>

int main(void) {
  int *p = malloc(sizeof(int));
  *p = 42;
  free(p);   /* p is now a dangling pointer */
  *p = 99;   /* BUG: writing to freed memory */
  return 0;
}

// expect-error: heap-use-after-free
// expect-text: ERROR: heap-use-after-free: WRITE to a 700,?000-byte block after it was freed
// expect-text: main \(bug_uaf_write_protected\.c:22\)
// expect-text: is 65,?536 bytes inside a block of size 700,?000 free'd
// expect-text: bug_uaf_write_protected\.c:20\)
// expect-text: Block was alloc'd at
// expect-text: bug_uaf_write_protected\.c:18\)
/* A write after free into a large block's whole pages (src/protect.h) faults at the
   store: reported then, with the writing line's stack, not later when the block would
   have left the quarantine.  (A write to the partial pages at the block's ends is
   still found by the poison check, as for any block: bug_uaf_large.c.) */
#include <stdlib.h>
#include <string.h>

struct big { char bytes[700000]; };

int main(void) {
  struct big *b = malloc(sizeof *b);
  memset(b, 0, sizeof *b);
  free(b);
  volatile struct big *stale = b;
  stale->bytes[65536] = 'x';             /* BUG: write after free */
  abort();
}

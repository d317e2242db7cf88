// expect-error: heap-use-after-free
// expect-text: ERROR: heap-use-after-free: READ of a 1,?048,?576-byte block after it was freed
// expect-text: main \(bug_uaf_read_protected\.c:24\)
// expect-text: is 300,?000 bytes inside a block of size 1,?048,?576 free'd
// expect-text: at free \(heapguard\)
// expect-text: bug_uaf_read_protected\.c:20\)
// expect-text: Block was alloc'd at
// expect-text: bug_uaf_read_protected\.c:18\)
/* A read after free of a large block: its whole pages are inaccessible while it waits
   in the quarantine (src/protect.h), so the read faults and is reported at once, with
   the reading line's stack and the block's free and allocation stacks.  Poison could
   not show a read at all.  The abort() is never reached: the report ends the program
   with check mode's exit status. */
#include <stdlib.h>
#include <string.h>

int main(void) {
  char *p = malloc(1 << 20);
  memset(p, 1, 1 << 20);
  free(p);
  for (int i = 0; i < 8; i++)            /* other large blocks come and go meanwhile */
    free(memset(malloc(300000 + i * 4096), 2, 300000));
  volatile char *stale = p;
  char c = stale[300000];                /* BUG: read after free */
  abort();
  return c;
}

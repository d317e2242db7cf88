// expect-error: memory-leak
// expect-text: definitely lost: 128 bytes in 1 blocks
// expect-text: indirectly lost: 98,?304 bytes in 16 blocks
// expect-text: still reachable: 0 bytes in 0 blocks
// expect-text: bug_leak_indirect_pages\.c:19\)
/* A lost struct holding the only pointers to 8 blocks of 4096 bytes and 8 of 8192:
 * they are indirectly lost, as in check mode and under Valgrind.  A guarded block whose
 * size is a multiple of the page starts at its slot's page, so the table of guarded
 * slots (blocks.c: slot address -> record) holds the block's own address: the leak scan
 * once read that table as a root and counted the 16 blocks "still reachable" (perl's
 * Perl_reentrant_init buffers, docs/real-programs.md).  Blocks of 4000 or 5000 bytes,
 * which do not start at their slot, were classified right. */
#include <stdlib.h>
#include <string.h>

struct holder { char *page[8], *pages[8]; };

struct holder *holder_new(void) {
  struct holder *h = malloc(sizeof *h);
  for (int i = 0; i < 8; i++) {
    h->page[i] = malloc(4096);
    h->pages[i] = malloc(8192);
    memset(h->page[i], 0, 4096);
    memset(h->pages[i], 0, 8192);
  }
  return h;
}

int main(void) {
  struct holder *h = holder_new();
  h = NULL;                              /* BUG: the holder and its 16 blocks are lost */
  return h != NULL;
}

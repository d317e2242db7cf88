// expect-error: heap-use-after-free
// expect-error: heap-buffer-overflow
// expect-error: heap-buffer-underflow
// expect-text: is 4 bytes inside a block of size 5 free'd
// expect-text: is 16 bytes inside a block of size 17 free'd
// expect-text: is 47 bytes inside a block of size 48 free'd
// expect-text: is 2 bytes after a block of size 5 free'd
// expect-text: is 0 bytes after a block of size 16 alloc'd
// expect-text: is 1 bytes before a block of size 40 alloc'd
// expect-text: is 9 bytes after a block of size 1 alloc'd
// expect-text: ERROR SUMMARY: 7 errors from 7 contexts
// expect-text: bug_small_slots\.c:2[0-9]\)
/* Small slots are checked in one pass over the slot (redzones and poison together,
   16 bytes a load): one wrong byte in each part of it must still be found and placed
   exactly, in freed blocks (their last poisoned byte, found at exit; a byte just past a
   block under 16 bytes, in the same load as its poison) and in live ones at free. */
#include <stdlib.h>

static void touch(volatile char *p, long i) { p[i] = 1; }

int main(void) {
  char *a = malloc(5), *b = malloc(17), *c = malloc(48), *d = malloc(5);
  char *e = malloc(16), *f = malloc(40), *g = malloc(1);
  free(a); free(b); free(c); free(d);
  touch(a, 4);                           /* BUG: last byte of a freed 5-byte block */
  touch(b, 16);                          /* BUG: last byte of a freed 17-byte block */
  touch(c, 47);                          /* BUG: last byte of a freed 48-byte block */
  touch(d, 7);                           /* BUG: 2 bytes past a freed 5-byte block */
  touch(e, 16);                          /* BUG: just past a live 16-byte block */
  touch(f, -1);                          /* BUG: just before a live 40-byte block */
  touch(g, 10);                          /* BUG: 9 bytes past a live 1-byte block */
  free(e); free(f); free(g);
  return 0;
}

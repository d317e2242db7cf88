// expect-error: heap-buffer-overflow
// expect-text: WRITE past the end of a 20000-byte block
// expect-text: is 8 bytes after a block of size 20000 alloc'd
// expect-text: main \(bug_overflow_medium\.c:14\)
/* A medium block (20000 bytes, several pages) written 8 bytes past its end: the write
   skips the end and still lands in the guard page.  (Sampled mode samples blocks of up
   to a page only.) */
#include <stdlib.h>
#include <string.h>

int main(void) {
  char *p = malloc(20000);
  memset(p, 0, 20000);
  ((volatile char *)p)[20008] = 1;                 /* BUG */
  free(p);
  return 0;
}

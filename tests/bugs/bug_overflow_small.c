// expect-error: heap-buffer-overflow
// expect-text: is 0 bytes after a block of size 10
// expect-text: bug_overflow_small\.c:11\)
// expect-text: bug_overflow_small\.c:13\)
/* Off-by-one: a loop writes 11 bytes into a 10-byte block (the seed's p[10] on a
   block of 10).  Found when the block is freed: the report names the free and the
   malloc. */
#include <stdlib.h>

int main(void) {
  char *p = malloc(10);
  for (int i = 0; i <= 10; i++) p[i] = 'a';  /* BUG: i == 10 writes p[10] */
  free(p);
  return 0;
}

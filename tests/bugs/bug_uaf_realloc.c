// expect-error: heap-use-after-free
// expect-text: is 0 bytes inside a block of size 16 free'd
// expect-text: bug_uaf_realloc\.c:11\)
// expect-text: bug_uaf_realloc\.c:13\)
/* A realloc chain moves the block; a stale copy of the first pointer is still used
   to write.  realloc freed that old location (its stack is the "freed at" one). */
#include <stdlib.h>
#include <string.h>

int main(void) {
  char *p = malloc(16);
  char *first = p;                       /* a copy that nobody updates */
  p = realloc(p, 64);                    /* moves and frees the 16 bytes */
  p = realloc(p, 4096);
  p = realloc(p, 65536);
  first[0] = 'x';                        /* BUG: the old location is free */
  free(p);
  return 0;
}

// expect-error: heap-buffer-overflow
// expect-text: is 0 bytes after a block of size 40
// expect-text: bug_overflow_seed\.c:9\)
/* The seed's heap overflow, as written there: ten ints, and a loop with <= that
   stores an eleventh, p[10], just past the 40-byte block. */
#include <stdlib.h>

int main(void) {
  int *p = malloc(10 * sizeof(int));     /* 40 bytes */
  for (int i = 0; i <= 10; i++) {        /* BUG: off-by-one, writes 11 elements */
    p[i] = i;
  }
  free(p);
  return 0;
}

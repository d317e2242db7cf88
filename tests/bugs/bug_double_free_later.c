// expect-error: double-free
// expect-text: bug_double_free_later\.c:11\)
// expect-text: bug_double_free_later\.c:17\)
/* A double free long after the first free: 1000 other blocks come and go in between
   (a plain allocator would have handed the block out again by then). */
#include <stdlib.h>
#include <string.h>

int main(void) {
  char *p = malloc(48);
  free(p);
  for (int i = 0; i < 1000; i++) {
    char *q = malloc(16 + i % 64);
    memset(q, i, 16);
    free(q);
  }
  free(p);                               /* BUG: p was freed long ago */
  return 0;
}

// expect-error: memory-leak
// expect-text: 300 bytes in 3 blocks are definitely lost
// expect-text: bug_leak\.c:13\)
// expect-text: definitely lost: 300 bytes in 3 blocks
/* Guard mode keeps check mode's leak scan: the blocks' own pages are not roots. */
#include <stdlib.h>
#include <string.h>

void *keep;   /* not static: the store must stay */

int main(void) {
  for (int i = 0; i < 3; i++) {
    char *p = malloc(100);
    memset(p, 0, 100);
  }
  keep = malloc(10);
  return 0;
}

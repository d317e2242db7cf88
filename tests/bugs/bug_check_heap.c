// expect-error: heap-buffer-overflow
// expect-text: found by hg_check_heap\(\)
// expect-text: is 2 bytes after a block of size 24
// expect-text: bug_check_heap\.c:17\)
/* An overflow in a block that is never freed: hg_check_heap() (heapguard.h) finds it
   while the program runs, returns 1, and the same corruption is not reported again
   at exit.  A wrong return value gives exit status 5 instead of check mode's 99. */
#include <stdlib.h>

#include "heapguard.h"

#pragma weak hg_check_heap

static char *kept;   /* reachable at exit: no leak */

int main(void) {
  kept = malloc(24);
  kept[26] = 'x';                        /* BUG: 2 bytes past the end */
  if (!hg_check_heap || hg_check_heap() != 1) return 5;
  if (hg_check_heap() != 0) return 6;    /* reported once */
  return 0;
}

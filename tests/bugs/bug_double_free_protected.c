// expect-error: double-free
// expect-error: invalid-realloc
// expect-text: ERROR: double-free: free\(0x[0-9a-f]+\) of a block that was already freed
// expect-text: bug_double_free_protected\.c:21\)
// expect-text: is 0 bytes inside a block of size 2,?097,?152 free'd
// expect-text: bug_double_free_protected\.c:20\)
// expect-text: bug_double_free_protected\.c:19\)
// expect-text: bug_double_free_protected\.c:22\)
/* free and realloc of a large block that waits in the quarantine with its pages
   inaccessible (src/protect.h): its record stays, so both are reported as for any
   freed block, with the stacks of the free and the allocation; neither touches the
   block's memory.  The program goes on (realloc returns NULL) and exits with check
   mode's error status. */
#include <stdlib.h>
#include <string.h>

int main(void) {
  size_t n = (size_t)2 << 20;
  char *p = malloc(n);
  free(memset(p, 3, n));
  free(p);                               /* BUG: double free */
  if (realloc(p, 64) != NULL) return 3;  /* BUG: realloc of a freed block */
  return 0;
}

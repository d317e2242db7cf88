// expect-error: heap-use-after-free
// expect-text: READ of a 1,?048,?576-byte block after it was freed
// expect-text: main \(bug_protected_own_handler\.c:15\)
/* The program installs its own SIGSEGV handler, then reads a large freed block whose
   pages are inaccessible (src/protect.h): check mode's handler stays first and reports
   the use after free (the program's handler is for the program's own faults). */
#include "../common/own_handler.h"

int main(void) {
  signal(SIGSEGV, giving_up);   /* ../common/own_handler.h: exits with status 7 */
  char *p = malloc(1 << 20);
  memset(p, 1, 1 << 20);
  free(p);
  volatile char *stale = p;
  char c = stale[8192];                  /* BUG */
  return c;
}

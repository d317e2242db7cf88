// expect-error: heap-buffer-overflow
// expect-text: READ past the end of a 16-byte block
// expect-text: main \(bug_own_handler\.c:13\)
// sampled: 99
/* The program installs its own SIGSEGV handler, then overreads a block: guard mode's
   handler stays first and reports the heap error (the program's handler is for the
   program's own faults). */
#include "../common/own_handler.h"

int main(void) {
  signal(SIGSEGV, giving_up);   /* ../common/own_handler.h: exits with status 7 */
  char *p = malloc(16);
  volatile char c = p[16];                 /* BUG */
  (void)c;
  return 0;
}

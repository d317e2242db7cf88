// expect-error: heap-buffer-overflow
// expect-text: READ past the end of a 16-byte block
// expect-text: main \(bug_own_handler_bsd\.c:14\)
// sampled: 99
/* As bug_own_handler.c, the program's SIGSEGV handler installed by bsd_signal (signal()'s
   other name in glibc, as ssignal is): libc's displaced guard mode's handler in the
   kernel ("program's handler ran", status 7).  Guard mode's stays first. */
#define _GNU_SOURCE
#include "../common/own_handler.h"

int main(void) {
  bsd_signal(SIGSEGV, giving_up);    /* ../common/own_handler.h: exits with status 7 */
  char *p = malloc(16);
  volatile char c = p[16];                 /* BUG */
  (void)c;
  return 0;
}

// expect-error: heap-buffer-overflow
// expect-text: READ past the end of a 16-byte block
// expect-text: main \(bug_own_handler_sysv\.c:14\)
// sampled: 99
/* As bug_own_handler.c, the program's SIGSEGV handler installed by sysv_signal: glibc's
   calls its own sigaction, past the library's, and the program's handler displaced guard
   mode's in the kernel ("program's handler ran", status 7).  Guard mode's stays first. */
#define _GNU_SOURCE
#include "../common/own_handler.h"

int main(void) {
  sysv_signal(SIGSEGV, giving_up);   /* ../common/own_handler.h: exits with status 7 */
  char *p = malloc(16);
  volatile char c = p[16];                 /* BUG */
  (void)c;
  return 0;
}

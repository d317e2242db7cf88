// expect-error: heap-buffer-overflow
// expect-text: READ past the end of a 16-byte block
// expect-text: main \(bug_own_handler\.c:21\)
// sampled: 99
/* The program installs its own SIGSEGV handler, then overreads a block: guard mode's
   handler stays first and reports the heap error (the program's handler is for the
   program's own faults). */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static void handler(int sig) {
  (void)sig;
  write(1, "program's handler ran\n", 22);
  _exit(7);
}

int main(void) {
  signal(SIGSEGV, handler);
  char *p = malloc(16);
  volatile char c = p[16];                 /* BUG */
  (void)c;
  return 0;
}

// expect-error: fatal-signal
// expect-error: memory-leak
// expect-text: ERROR: fatal-signal: SIGABRT \(signal 6\), raised by the program \(abort\(\)
// expect-text: main \(bug_crash_abort\.c:20\)
// expect-text: Process terminating with the default action of signal 6 \(SIGABRT\)
// expect-text: definitely lost: 24 bytes in 1 blocks
// expect-status: 134
/* A failed assert() ends in abort(): a crash report with the stack where SIGABRT was
   raised (through libc's assert and abort, to main's line), then the leak check; the
   process still dies by SIGABRT. */
#include <assert.h>
#include <stdlib.h>

static __attribute__((noinline)) void lose(void) { char *p = malloc(24); p[0] = 1; }

int main(int argc, char **argv) {
  (void)argv;
  lose();
  volatile int args = argc;
  assert(args == 5);                     /* BUG: fails */
  return 0;
}

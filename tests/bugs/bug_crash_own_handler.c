// expect-error: fatal-signal
// expect-text: ERROR: fatal-signal: SIGABRT \(signal 6\), raised by the program
// expect-text: on_segv \(bug_crash_own_handler\.c:17\)
// expect-text: main \(bug_crash_own_handler\.c:25\)
// expect-text: LEAK SUMMARY
// expect-status: 134
/* The program's SIGSEGV handler calls abort(): the SIGABRT comes in a handler that
   check mode's handler called (its frames are on the stack, above a signal frame), not
   in heapguard's own work, so the report is whole: stack through the handler to the
   faulting line, leak check, summary.  (The block lose() dropped may be found "still
   reachable": this thread's stack is read from the program's handler's frames up, so
   the 128 bytes below main's stack pointer, which the kernel skips when it writes the
   SIGSEGV's signal frame and where lose() left the address, are read too.) */
#include <signal.h>
#include <stdlib.h>

static void on_segv(int sig) { (void)sig; abort(); }

static __attribute__((noinline)) void lose(void) { char *p = malloc(24); p[0] = 1; }

int main(void) {
  signal(SIGSEGV, on_segv);
  lose();
  int *volatile p = NULL;
  return *p;                             /* BUG: SIGSEGV, then abort() */
}

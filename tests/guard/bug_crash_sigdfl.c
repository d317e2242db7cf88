// expect-error: fatal-signal
// expect-text: ERROR: fatal-signal: SIGSEGV \(signal 11\): READ at address 0x[0-9a-f]+: the mapping does not allow this access \(SEGV_ACCERR\)
// expect-text: main \(bug_crash_sigdfl\.c:21\)
// expect-text: is in memory mapped by the program, not allocated by malloc
// expect-text: still reachable: 10 bytes in 1 blocks
// expect-status: 139
/* A fault that is not heapguard's, in a program without a handler, kills it with
   SIGSEGV as it would without heapguard (status 128 + 11 as the shell sees it), after
   guard mode's crash report: the address, in the program's own PROT_NONE mapping, and
   the leak check.  (Sampled guard mode prints nothing for it: tests/programs/crash.sh.) */
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>

static char *volatile kept;

int main(void) {
  volatile char *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  signal(SIGSEGV, SIG_DFL);
  char *p = kept = malloc(10);
  p[0] = page[0];                        /* the program's fault */
  return 0;
}

// env: HEAPGUARD_GUARD_ALIGN=1 HEAPGUARD_SAMPLE_ALIGN=1
// expect-error: heap-buffer-overflow
// expect-text: ERROR: heap-buffer-overflow: READ past the end of a 100-byte block
// expect-text: at 0x[0-9a-f]+: on_usr1 \(bug_overread_in_handler\.c:23\)
// expect-text: by 0x[0-9a-f]+: main \(bug_overread_in_handler\.c:34\)
// expect-text: ERROR SUMMARY: 1 errors from 1 contexts
// sampled: 99
/* The overread happens in a signal handler that already runs on a small alternate
   stack (SA_ONSTACK; 4 KiB, or two of this CPU's signal frames if larger: 2 x 3376
   bytes with AVX-512): the fault's frame goes below the handler's on the same small
   stack, leaving even less room.  The report moves to a stack of its own and unwinds
   through both signal frames. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>

static char altstack[64 * 1024] __attribute__((aligned(16)));
static char *volatile block;

static void on_usr1(int sig) {
  (void)sig;
  volatile char c = block[100];             /* BUG */
  printf("never printed %d\n", c);
}

int main(void) {
  size_t size = 2 * getauxval(AT_MINSIGSTKSZ);
  if (size < 4096) size = 4096;
  stack_t ss = { .ss_sp = altstack + sizeof altstack - size, .ss_size = size };
  struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_ONSTACK };
  if (sigaltstack(&ss, NULL) != 0 || sigaction(SIGUSR1, &sa, NULL) != 0) return 2;
  block = malloc(100);
  raise(SIGUSR1);
  return 0;
}

// env: HEAPGUARD_GUARD_ALIGN=1 HEAPGUARD_SAMPLE_ALIGN=1
// expect-error: heap-buffer-overflow
// expect-text: ERROR: heap-buffer-overflow: READ past the end of a 100-byte block
// expect-text: at 0x[0-9a-f]+: main \(bug_overread_altstack\.c:33\)
// expect-text: by 0x[0-9a-f]+: main \(bug_overread_altstack\.c:32\)
// expect-text: ERROR SUMMARY: 1 errors from 1 contexts
// sampled: 99
/* The program has an alternate signal stack of the smallest size the kernel accepts
   (MINSIGSTKSZ, 2 KiB, or this CPU's signal frame if larger: AT_MINSIGSTKSZ is 3376
   bytes with AVX-512, where a 2 KiB stack cannot take a signal at all) and its own
   SA_ONSTACK handler for SIGSEGV, as a program that catches its stack overflows does;
   then it overreads a block.  Guard
   mode's handler runs on that stack too (SA_ONSTACK): the report must move to a stack
   of its own (src/sigstack.h), with symbols, instead of overflowing the alternate
   stack and dying with no word. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <unistd.h>

static char altstack[64 * 1024] __attribute__((aligned(16)));

static void on_segv(int sig) { (void)sig; _exit(7); }   /* not reached: the fault is heapguard's */

int main(void) {
  size_t size = getauxval(AT_MINSIGSTKSZ);
  if (size < MINSIGSTKSZ) size = MINSIGSTKSZ;
  stack_t ss = { .ss_sp = altstack + sizeof altstack - size, .ss_size = size };
  struct sigaction sa = { .sa_handler = on_segv, .sa_flags = SA_ONSTACK };
  if (sigaltstack(&ss, NULL) != 0 || sigaction(SIGSEGV, &sa, NULL) != 0) return 2;
  char *p = malloc(100);
  volatile char c = p[100];                 /* BUG */
  printf("never printed %d\n", c);
  return 0;
}

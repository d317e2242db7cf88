// expect-error: fatal-signal
// expect-text: ERROR: fatal-signal: SIGSEGV \(signal 11\) in thread 2 \(tid [0-9]+\): WRITE at address 0x10
// expect-text: crasher \(bug_crash_thread\.c:24\)
// expect-text: definitely lost: 0 bytes in 0 blocks
// expect-status: 139
/* A second thread dies by SIGSEGV while the main thread waits in pthread_join: the
   report names the thread, and the leak scan sees the blocks the crashing thread holds
   only in a register (its interrupted registers are roots) and the main thread's (its
   stack, stopped as at exit): nothing is lost. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

static void *volatile held_by_main;

static void *crasher(void *arg) {
  (void)arg;
  /* Only in a register: r12..r15, ebx are kept across the calls below. */
  register char *mine asm("r12") = malloc(100);
  mine[0] = 1;
  __asm__ volatile("" : : "r"(mine));
  int *volatile bad = (int *)(uintptr_t)0x10;
  __asm__ volatile("" : : "r"(mine));
  *bad = 1;                              /* BUG */
  __asm__ volatile("" : : "r"(mine));
  return mine;
}

int main(void) {
  held_by_main = malloc(100);
  pthread_t t;
  pthread_create(&t, NULL, crasher, NULL);
  pthread_join(t, NULL);
  return 0;
}

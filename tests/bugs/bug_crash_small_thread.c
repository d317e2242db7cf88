// expect-error: fatal-signal
// expect-text: ERROR: fatal-signal: SIGSEGV \(signal 11\) in thread 2 \(tid [0-9]+\): READ at address 0x8: address not mapped \(SEGV_MAPERR\)
// expect-text: at 0x[0-9a-f]+: crash \(bug_crash_small_thread\.c:23\)
// expect-text: Process terminating with the default action of signal 11 \(SIGSEGV\)
// expect-text: ERROR SUMMARY: 1 errors from 1 contexts
// expect-status: 139
/* A null pointer's field read in a thread whose stack is 32 KiB, 16 KiB of it in use:
   the crash report runs on a stack of its own (src/sigstack.h).  On the thread's
   stack, the symboliser overflowed it and the process died by SIGSEGV with no word. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct node {
  struct node *next;
  int v;
};
static struct node *volatile nowhere;

static void *crash(void *arg) {
  volatile char pad[16384];                 /* 16 KiB of the stack in use */
  pad[0] = 0;
  printf("%d %d\n", nowhere->v, pad[0]);    /* BUG: nowhere is NULL */
  return arg;
}

int main(void) {
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0 || pthread_attr_setstacksize(&attr, 32768) != 0) return 2;
  pthread_t t;
  if (pthread_create(&t, &attr, crash, NULL) != 0) return 3;
  pthread_join(t, NULL);
  return 0;
}

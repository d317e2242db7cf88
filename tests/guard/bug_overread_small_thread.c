// env: HEAPGUARD_GUARD_ALIGN=1 HEAPGUARD_SAMPLE_ALIGN=1
// expect-error: heap-buffer-overflow
// expect-text: ERROR: heap-buffer-overflow: READ past the end of a 100-byte block
// expect-text: at 0x[0-9a-f]+: overread \(bug_overread_small_thread\.c:21\)
// expect-text: by 0x[0-9a-f]+: main \(bug_overread_small_thread\.c:29\)
// expect-text: ERROR SUMMARY: 1 errors from 1 contexts
// sampled: 99
/* An overread in a thread whose stack is 32 KiB, 8 KiB of it in use: the handler runs
   on that stack (no alternate stack), and the report needs more than is left (the
   symboliser alone: tens of KiB).  The report runs on a stack of its own
   (src/sigstack.h); it used to overflow the thread's stack and the process died by
   SIGSEGV with no word. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static char *block;

static void *overread(void *arg) {
  volatile char pad[8192];                  /* 8 KiB of the stack in use */
  volatile char c = block[100];             /* BUG */
  pad[0] = c;
  printf("never printed %d\n", pad[0]);
  return arg;
}

int main(void) {
  pthread_attr_t attr;
  block = malloc(100);
  if (pthread_attr_init(&attr) != 0 || pthread_attr_setstacksize(&attr, 32768) != 0) return 2;
  pthread_t t;
  if (pthread_create(&t, &attr, overread, NULL) != 0) return 3;
  pthread_join(t, NULL);
  return 0;
}

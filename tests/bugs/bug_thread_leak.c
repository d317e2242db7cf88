// expect-error: double-free
// expect-error: memory-leak
// expect-text: == Thread 2:$
// expect-text: == Thread 1:$
// expect-text: definitely lost: 77 bytes in 1 blocks
// expect-text: bug_thread_leak\.c:23\)
/* A leak record after another thread's error comes after "Thread 1:", as Valgrind
   prints it (a loss record is the main thread's): it read as if the thread of the
   error before it had leaked. */
#include <pthread.h>
#include <stdlib.h>

static void *worker(void *block) {
  free(block);
  free(block); /* BUG */
  return NULL;
}

int main(void) {
  pthread_t t;
  char *a = malloc(16);
  if (pthread_create(&t, NULL, worker, a) != 0 || pthread_join(t, NULL) != 0) return 1;
  char *volatile lost = malloc(77); /* BUG: leaked */
  lost = NULL;
  return 0;
}

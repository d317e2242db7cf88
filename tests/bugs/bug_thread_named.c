// expect-error: double-free
// expect-text: == Thread 2 worker:$
// expect-text: == Thread 3:$
// expect-text: == Thread 1:$
// expect-text: bug_thread_named\.c:27\)
// expect-text: bug_thread_named\.c:33\)
// expect-text: bug_thread_named\.c:44\)
/* Errors in three threads say which one found them, as Valgrind's "Thread N name:"
   line does: a double free in a thread the program named "worker" (the second thread
   to allocate: 2), one in an unnamed thread (3: no name, though its kernel name is
   the process's), then one in the main thread (1), printed when the thread differs
   from the last error's.  Without it, a report of a thread's error did not say which
   thread, and XML's <tid> was the kernel's thread id.  The errors come one after the
   other (each thread is joined before the next starts): the numbers are
   deterministic. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void *named(void *unused) {
  (void)unused;
  pthread_setname_np(pthread_self(), "worker");
  char *p = malloc(24);
  memset(p, 1, 24);
  free(p);
  free(p); /* BUG */
  return NULL;
}

static void *unnamed(void *block) {
  free(block);
  free(block); /* BUG */
  return NULL;
}

int main(void) {
  pthread_t t;
  char *q = malloc(40);
  if (pthread_create(&t, NULL, named, NULL) != 0 || pthread_join(t, NULL) != 0) return 1;
  if (pthread_create(&t, NULL, unnamed, q) != 0 || pthread_join(t, NULL) != 0) return 1;
  char *r = malloc(8);
  free(r);
  free(r); /* BUG */
  return 0;
}

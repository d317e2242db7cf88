// expect-clean
/* Clean: pthread_getattr_np() on the calling thread, before anything else allocates in
 * it.  glibc holds the thread's own descriptor lock while it allocates there (the main
 * thread's fopen("/proc/self/maps") and getdelim buffer, every thread's cpu set by
 * realloc), and check mode's first stack walk in a thread looked up that thread's stack
 * bounds with pthread_getattr_np() itself: the inner call waited for ever on the lock the
 * outer one holds.  Every Rust program does this at start, in its main thread and in
 * each thread it spawns (std's stack-overflow guard): rustc's `ld.lld` wrapper hung in
 * check mode, asleep in futex_wait.  The thread case runs first, while the main thread
 * has not allocated yet either. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static size_t stack_size(void) {
  pthread_attr_t attr;
  void *lo;
  size_t size = 0;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;
  if (pthread_attr_getstack(&attr, &lo, &size) != 0) size = 0;
  pthread_attr_destroy(&attr);
  return size;
}

static void *thread_main(void *arg) {
  *(size_t *)arg = stack_size();
  return NULL;
}

int main(void) {
  size_t in_thread = 0;
  pthread_t t;
  if (pthread_create(&t, NULL, thread_main, &in_thread) != 0) return 2;
  pthread_join(t, NULL);
  size_t in_main = stack_size();
  printf("%s %s\n", in_thread ? "thread ok" : "thread: no stack", in_main ? "main ok" : "main: no stack");
  return in_thread && in_main ? 0 : 1;
}

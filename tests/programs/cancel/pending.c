/* A thread with a deferred cancellation pending calls the allocator: glibc's malloc,
 * free, mallinfo2, malloc_trim and malloc_stats contain no cancellation point, so the
 * thread must run on to its pthread_testcancel and be cancelled there.  Run by
 * cancel.sh in every mode.  Prints "ok", or what went wrong. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int reached, step;

static void *pending(void *arg) {
  (void)arg;
  pthread_cancel(pthread_self());   /* deferred: it acts at the next cancellation point */
  static void *keep[1000];
  for (int i = 0; i < 1000; i++) {   /* small, medium and large blocks */
    step = i;
    keep[i] = i % 3 ? malloc((size_t)(i * 97) % 300000 + 1) : calloc(1, (size_t)i * 13 + 1);
    memset(keep[i], 1, 1);
    if (i % 5 == 0) keep[i] = realloc(keep[i], (size_t)i * 31 + 100);
  }
  step = 2000;
  for (int i = 0; i < 1000; i++) free(keep[i]);
  void *a = NULL;
  if (posix_memalign(&a, 4096, 5000) == 0) free(a);
  step = 3000;
  struct mallinfo2 m = mallinfo2();
  (void)m;
  step = 4000;
  malloc_trim(0);
  step = 5000;
  malloc_stats();   /* glibc writes it with cancellation off */
  reached = 1;
  pthread_testcancel();
  reached = 2;
  return NULL;
}

int main(void) {
  for (int round = 0; round < 20; round++) {
    pthread_t t;
    void *r;
    reached = 0;
    if (pthread_create(&t, NULL, pending, NULL) != 0 || pthread_join(t, &r) != 0) return 2;
    if (reached != 1 || r != PTHREAD_CANCELED) {
      printf("round %d: cancelled inside the allocator (step %d, reached %d)\n", round, step, reached);
      return 1;
    }
    /* the allocator's locks are free: another thread's calls go through */
    void *p = malloc(100000), *q = malloc(50);
    free(p);
    free(q);
    struct mallinfo2 m = mallinfo2();
    (void)m;
  }
  printf("ok\n");
  return 0;
}

// expect-clean
// sampled: 0
/* A successful malloc, calloc, realloc, memalign-family call, malloc_usable_size or
 * free leaves errno alone, as glibc's do, from the very first call on: loading and
 * first using the stack unwinder (libunwind's memory checks read an empty pipe: EAGAIN;
 * its set-up sets errno to 0) must not show through.  Exit status 1 names the call.
 * In the main thread and in another (errno is each thread's own).  tests/bugs/clean_errno.c
 * runs the same program in check mode. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int changed;

#define KEEP(call)                                                                       \
  do {                                                                                   \
    errno = 1234;                                                                        \
    call;                                                                                \
    if (errno != 1234) {                                                                 \
      fprintf(stderr, "line %d: %s changed errno to %d\n", __LINE__, #call, errno);      \
      changed = 1;                                                                       \
    }                                                                                    \
  } while (0)

/* from stacks of several depths: each new frame is a first step for the unwinder */
__attribute__((noinline)) static void calls(int depth) {
  if (depth > 0) {
    calls(depth - 1);
    return;
  }
  void *p, *q = NULL;
  size_t n;
  KEEP(p = malloc(0));
  KEEP(free(p));
  KEEP(p = malloc(100));
  KEEP(p = realloc(p, 5000));
  KEEP(n = malloc_usable_size(p));
  (void)n;
  KEEP(free(p));
  KEEP(p = calloc(10, 10));
  KEEP(free(p));
  KEEP(p = memalign(64, 100));
  KEEP(free(p));
  KEEP(posix_memalign(&q, 64, 100));
  KEEP(free(q));
  KEEP(p = aligned_alloc(64, 128));
  KEEP(free(p));
  KEEP(p = malloc(300000));
  KEEP(p = realloc(p, 600000));
  KEEP(free(p));
  KEEP(p = strdup("a string"));
  KEEP(free(p));
}

static void *thread_calls(void *arg) {
  (void)arg;
  for (int depth = 0; depth < 20; depth += 3) calls(depth);
  return NULL;
}

int main(void) {
  for (int depth = 0; depth < 20; depth += 3) calls(depth);
  pthread_t t;
  if (pthread_create(&t, NULL, thread_calls, NULL) != 0) return 2;
  pthread_join(t, NULL);
  return changed;
}

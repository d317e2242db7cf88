// expect-signal: SIGABRT
// expect-stderr: heapguard: double free of 0x[0-9a-f]+
/* Thread A allocates a block, thread B frees it, then the main thread frees it again. */
#include "check.h"

#include <pthread.h>

#pragma GCC diagnostic ignored "-Wuse-after-free"

static void *volatile shared;

static void *thread_a(void *arg) {
  (void)arg;
  shared = malloc(48);
  if (shared) memset(shared, 2, 48);
  return NULL;
}

static void *thread_b(void *arg) {
  (void)arg;
  free(shared);
  return NULL;
}

int main(void) {
  pthread_t a, b;
  if (pthread_create(&a, NULL, thread_a, NULL) || pthread_join(a, NULL)) return 1;
  if (!shared) return 1;
  if (pthread_create(&b, NULL, thread_b, NULL) || pthread_join(b, NULL)) return 1;
  free(shared);
  fprintf(stderr, "survived a double free\n");
  return 1;
}

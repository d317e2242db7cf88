// expect-signal: SIGABRT
// expect-stderr: heapguard: double free of 0x[0-9a-f]+
/* The main thread fills spans with 48-byte blocks, thread B frees all of them while the
 * main thread allocates nothing: the remote frees that empty a span give its pages back
 * to the region at once (span.h, Claims).  Then the main thread, the blocks' owner,
 * frees one of them again: still a double free. */
#include "check.h"

#include <pthread.h>

#pragma GCC diagnostic ignored "-Wuse-after-free"

#define N 2000

static void *blocks[N];

static void *thread_b(void *arg) {
  (void)arg;
  for (int i = 0; i < N; i++) free(blocks[i]);
  return NULL;
}

int main(void) {
  for (int i = 0; i < N; i++) {
    blocks[i] = malloc(48);
    if (!blocks[i]) return 1;
    memset(blocks[i], 2, 48);
  }
  pthread_t b;
  if (pthread_create(&b, NULL, thread_b, NULL) || pthread_join(b, NULL)) return 1;
  free(blocks[N / 2]);
  fprintf(stderr, "survived a double free\n");
  return 1;
}

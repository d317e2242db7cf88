// expect-signal: SIGABRT
// expect-stderr: heapguard: double free of 0x[0-9a-f]+
/* The main thread allocates a block, thread B frees it (a remote free, not yet collected
 * by the main thread's heap), then the main thread, the block's owner, frees it again:
 * its free must see the remote free (free's fast path reads free_bits only; the remote
 * free tagged the span's owner, which sends the owner's free to the slow path). */
#include "check.h"

#include <pthread.h>

#pragma GCC diagnostic ignored "-Wuse-after-free"

static void *volatile shared;

static void *thread_b(void *arg) {
  (void)arg;
  free(shared);
  return NULL;
}

int main(void) {
  /* a few blocks of the class first, so the span is the main thread's current one */
  void *keep[4];
  for (int i = 0; i < 4; i++) keep[i] = malloc(48);
  shared = malloc(48);
  if (!shared) return 1;
  memset(shared, 2, 48);
  pthread_t b;
  if (pthread_create(&b, NULL, thread_b, NULL) || pthread_join(b, NULL)) return 1;
  free(shared);
  fprintf(stderr, "survived a double free (%p)\n", keep[0]);
  return 1;
}

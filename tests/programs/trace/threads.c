/* threads.c — four threads allocating and freeing large blocks (each a mmap and a
 * munmap) and small ones at the same time; with HEAPGUARD_TRACE_CALLS every call is
 * a line of its own, never mixed with another thread's. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define ROUNDS 50

static void *work(void *arg) {
  (void)arg;
  for (int i = 0; i < ROUNDS; i++) {
    char *big = malloc(1024 * 1024 + (size_t)i * 4096);   /* above any dynamic threshold */
    memset(big, 1, 4096);
    char *small = malloc(24 + (size_t)i);
    free(big);
    free(small);
  }
  return NULL;
}

int main(void) {
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++)
    if (pthread_create(&t[i], NULL, work, NULL) != 0) return 1;
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  return 0;
}

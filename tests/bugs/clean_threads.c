// expect-clean
/* Clean: four threads allocate and free, and hand blocks to each other: every
   block is freed by a different thread than the one that allocated it. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define BLOCKS 500

static char *handoff[THREADS][BLOCKS];
static pthread_barrier_t barrier;

static void *work(void *arg) {
  int me = (int)(long)arg;
  for (int i = 0; i < BLOCKS; i++) {     /* private churn */
    char *p = malloc(8 + (i * 37) % 3000);
    p[0] = (char)i;
    free(p);
  }
  for (int i = 0; i < BLOCKS; i++) handoff[me][i] = memset(malloc(24 + i % 200), me, 24);
  pthread_barrier_wait(&barrier);
  int other = (me + 1) % THREADS;        /* free the next thread's blocks */
  for (int i = 0; i < BLOCKS; i++) free(handoff[other][i]);
  return NULL;
}

int main(void) {
  pthread_t t[THREADS];
  pthread_barrier_init(&barrier, NULL, THREADS);
  for (long i = 0; i < THREADS; i++)
    if (pthread_create(&t[i], NULL, work, (void *)i) != 0) return 1;
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  pthread_barrier_destroy(&barrier);
  return 0;
}

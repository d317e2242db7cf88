// expect-error: double-free
// expect-text: ERROR SUMMARY: 60 errors from 1 contexts
// expect-text: bug_double_free_race\.c:41\)
// expect-text: bug_double_free_race\.c:54\)
/* Four threads free the same block at once, 20 times over, while two other threads
   churn (malloc, fill, check, free) so that check mode's lock is contended (any form
   of its locking must pass).  Exactly one free of each block
   wins; the other three are double frees, each counted (60 in one context), and a
   losing free never poisons a block given out again: the churners find their blocks
   as they left them (status 5 otherwise). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define RACERS 4
#define ROUNDS 20

static pthread_barrier_t start, done;
static char *shared;
static atomic_int stop, bad;

static void *churn(void *arg) {
  unsigned char tag = (unsigned char)(long)arg;
  while (!atomic_load(&stop)) {
    char *p[16];
    for (int i = 0; i < 16; i++) p[i] = memset(malloc(40), tag + i, 40);
    for (int i = 0; i < 16; i++) {
      for (int k = 0; k < 40; k++)
        if ((unsigned char)p[i][k] != (unsigned char)(tag + i)) atomic_store(&bad, 1);
      free(p[i]);
    }
  }
  return NULL;
}

static void *racer(void *arg) {
  (void)arg;
  for (int r = 0; r < ROUNDS; r++) {
    pthread_barrier_wait(&start);
    free(shared);                        /* BUG: four frees of one block, at once */
    pthread_barrier_wait(&done);
  }
  return NULL;
}

int main(void) {
  pthread_t c[2], t[RACERS];
  pthread_barrier_init(&start, NULL, RACERS + 1);
  pthread_barrier_init(&done, NULL, RACERS + 1);
  for (long i = 0; i < 2; i++) pthread_create(&c[i], NULL, churn, (void *)(i * 64));
  for (int i = 0; i < RACERS; i++) pthread_create(&t[i], NULL, racer, NULL);
  for (int r = 0; r < ROUNDS; r++) {
    shared = memset(malloc(64), 7, 64);
    pthread_barrier_wait(&start);
    pthread_barrier_wait(&done);
  }
  for (int i = 0; i < RACERS; i++) pthread_join(t[i], NULL);
  atomic_store(&stop, 1);
  for (int i = 0; i < 2; i++) pthread_join(c[i], NULL);
  return atomic_load(&bad) ? 5 : 0;
}

// expect-clean
// sampled: 0
/* Threads allocating, handing blocks to each other and freeing them. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define N 4
static char *slots[N][200];

static void *work(void *arg) {
  long id = (long)arg;
  for (int i = 0; i < 200; i++) {
    slots[id][i] = malloc((size_t)(i % 97) * 8 + 1);
    memset(slots[id][i], (int)id, (size_t)(i % 97) * 8 + 1);
  }
  return NULL;
}

static void *reap(void *arg) {
  long id = (long)arg;
  for (int i = 0; i < 200; i++) {
    if (slots[id][i][0] != (char)id) abort();
    free(slots[id][i]);
  }
  return NULL;
}

int main(void) {
  pthread_t t[N];
  for (long i = 0; i < N; i++) pthread_create(&t[i], NULL, work, (void *)i);
  for (int i = 0; i < N; i++) pthread_join(t[i], NULL);
  for (long i = 0; i < N; i++) pthread_create(&t[i], NULL, reap, (void *)((i + 1) % N));
  for (int i = 0; i < N; i++) pthread_join(t[i], NULL);
  return 0;
}

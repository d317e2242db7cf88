/* Thread exit with many thread-specific keys whose destructors call free (and malloc):
 * 100 pthread keys, each thread sets all of them to malloc'ed blocks; the destructors
 * check and free them, and for some keys allocate a replacement on the first pass (so a
 * second destructor pass runs, after the allocator's own thread clean-up may have run).
 * Also a __thread pointer freed by a destructor, and keys deleted while threads live.
 */
#include "check.h"

#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#define KEYS 100
#define THREADS 64
#define ROUNDS 8

static pthread_key_t keys[KEYS];
static long destroyed, reallocated;
static __thread unsigned char *tls_block;

struct val { unsigned key; unsigned pass; size_t n; unsigned char data[]; };

static struct val *make(unsigned key, unsigned pass) {
  size_t n = 16 + (size_t)key * 53 % 3000;
  struct val *v = malloc(sizeof *v + n);
  if (!CHECK_NONNULL(v)) return NULL;
  v->key = key;
  v->pass = pass;
  v->n = n;
  hg_fill(v->data, n, (uint64_t)key * 10 + pass);
  return v;
}

static void destroy(void *arg) {
  struct val *v = arg;
  CHECK_PATTERN(v->data, v->n, (uint64_t)v->key * 10 + v->pass);
  unsigned key = v->key, pass = v->pass;
  free(v);
  __atomic_add_fetch(&destroyed, 1, __ATOMIC_RELAXED);
  /* every 5th key comes back once, allocated from inside the destructor pass */
  if (key % 5 == 0 && pass == 0) {
    struct val *again = make(key, 1);
    if (again) {
      CHECK_EQ(pthread_setspecific(keys[key], again), 0);
      __atomic_add_fetch(&reallocated, 1, __ATOMIC_RELAXED);
    }
  }
  /* plain churn during thread exit */
  void *tmp = calloc(3, 100);
  CHECK_NONNULL(tmp);
  free(tmp);
  if (key == KEYS - 1 && tls_block) {
    free(tls_block);
    tls_block = NULL;
  }
}

static void *run(void *arg) {
  (void)arg;
  tls_block = malloc(777);
  for (unsigned k = 0; k < KEYS; k++) {
    struct val *v = make(k, 0);
    if (v) CHECK_EQ(pthread_setspecific(keys[k], v), 0);
  }
  for (unsigned k = 0; k < KEYS; k += 7) {
    struct val *v = pthread_getspecific(keys[k]);
    if (CHECK_NONNULL(v)) CHECK_EQ(v->key, k);
  }
  void *scratch[50];
  for (int i = 0; i < 50; i++) scratch[i] = malloc((size_t)i * 100 + 1);
  for (int i = 0; i < 50; i++) free(scratch[i]);
  return NULL;
}

int main(void) {
  for (int k = 0; k < KEYS; k++) CHECK_EQ(pthread_key_create(&keys[k], destroy), 0);
  long expected = 0;
  for (int round = 0; round < ROUNDS; round++) {
    pthread_t th[THREADS];
    int n = 0;
    for (int i = 0; i < THREADS; i++)
      if (CHECK_EQ(pthread_create(&th[i], NULL, run, NULL), 0)) n++;
    for (int i = 0; i < n; i++) CHECK_EQ(pthread_join(th[i], NULL), 0);
    expected += (long)n * (KEYS + KEYS / 5);
  }
  CHECK_EQ(destroyed, expected);
  CHECK_EQ(reallocated, expected / (KEYS + KEYS / 5) * (KEYS / 5));

  /* threads that exit while the main thread deletes and re-creates keys */
  pthread_t th[8];
  for (int i = 0; i < 8; i++) CHECK_EQ(pthread_create(&th[i], NULL, run, NULL), 0);
  for (int i = 0; i < 8; i++) CHECK_EQ(pthread_join(th[i], NULL), 0);
  for (int k = 0; k < KEYS; k++) CHECK_EQ(pthread_key_delete(keys[k]), 0);
  for (int k = 0; k < KEYS; k++) CHECK_EQ(pthread_key_create(&keys[k], destroy), 0);
  for (int i = 0; i < 8; i++) CHECK_EQ(pthread_create(&th[i], NULL, run, NULL), 0);
  for (int i = 0; i < 8; i++) CHECK_EQ(pthread_join(th[i], NULL), 0);
  return check_finish();
}

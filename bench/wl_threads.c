/* wl_threads.c — workload 8: thread churn, many short-lived threads that each allocate.
 *
 * Models thread-per-request servers and thread pools that grow and shrink: --ops threads in
 * total are created, --threads at a time.  Each thread allocates 200 blocks of 16..1024 B
 * (log-distributed), frees 150 of them itself, and leaves 50 in a shared mailbox; the next
 * thread in its lane frees them (frees of blocks whose owner thread has exited).  An
 * allocator with thread-local heaps pays its per-thread set-up and tear-down on every
 * thread and must adopt (or release) what dead threads leave behind without leaking.
 *
 *   --ops N      threads created in total (default 20000, smoke 200)
 *   --threads N  threads alive at a time  (default 4)
 */
#include "wl_common.h"

#define PER_THREAD 200
#define LEFT 50

typedef struct { unsigned char *left[LEFT]; uint64_t check; uint64_t seed; } lane;

static void *run(void *arg) {
  lane *l = arg;
  wl_rng r;
  wl_rng_init(&r, l->seed);
  unsigned char *mine[PER_THREAD];
  uint64_t check = 0;
  for (int i = 0; i < PER_THREAD; i++) {
    size_t n = wl_logsize(&r, 16, 1024);
    mine[i] = wl_xmalloc(n);
    mine[i][0] = (unsigned char)n;
  }
  for (int i = 0; i < LEFT; i++) /* what the previous thread of this lane left */
    if (l->left[i]) {
      check += l->left[i][0];
      free(l->left[i]);
    }
  for (int i = 0; i < PER_THREAD - LEFT; i++) {
    check += mine[i][0];
    free(mine[i]);
  }
  for (int i = 0; i < LEFT; i++) l->left[i] = mine[PER_THREAD - LEFT + i];
  l->check += check;
  return NULL;
}

int main(int argc, char **argv) {
  wl_args a;
  wl_parse(argc, argv, &a, (wl_args){ 20000, 0, 4, 9, 0 }, (wl_args){ 200, 0, 4, 9, 1 },
           "thread churn: many short-lived threads that each allocate");
  int nl = a.threads;
  lane *lanes = calloc((size_t)nl, sizeof *lanes);
  pthread_t tids[nl];
  double t0 = wl_now();
  long created = 0;
  while (created < a.ops) {
    int batch = 0;
    for (; batch < nl && created < a.ops; batch++, created++) {
      lanes[batch].seed = a.seed * 1000003 + (uint64_t)created;
      if (pthread_create(&tids[batch], NULL, run, &lanes[batch]) != 0) {
        perror("pthread_create");
        return 1;
      }
    }
    wl_join_threads(batch, tids);
  }
  uint64_t check = 0;
  for (int i = 0; i < nl; i++) {
    check += lanes[i].check;
    for (int k = 0; k < LEFT; k++) free(lanes[i].left[k]);
  }
  free(lanes);
  printf("RESULT wl=threads check=%llx threads_created=%ld concurrent=%d secs=%.3f rss_end_kb=%ld\n",
         (unsigned long long)check, a.ops, nl, wl_now() - t0, wl_rss_kb());
  return 0;
}

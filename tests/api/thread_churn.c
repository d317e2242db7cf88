/* Many short-lived threads: 10,000 threads, created and joined 16 at a time, each
 * allocating and freeing some blocks; some free blocks the main thread allocated, some
 * leave blocks behind that the main thread checks and frees after the join.  Thread
 * caches must be given back, not leaked: RSS at the end must stay well below 512 MiB.
 */
#include "check.h"

#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define THREADS 10000
#define BATCH 16
#define LEFT 4 /* blocks a thread leaves behind */

struct job {
  int id;
  unsigned char *from_main; /* allocated by main, freed by the thread */
  size_t from_main_n;
  unsigned char *left[LEFT]; /* allocated by the thread, freed by main */
  size_t left_n[LEFT];
};

static void *run(void *arg) {
  struct job *j = arg;
  hg_rng r = {(uint64_t)j->id * 7919 + 1};
  enum { N = 40 };
  unsigned char *p[N];
  size_t n[N];
  for (int i = 0; i < N; i++) {
    n[i] = i == 0 && j->id % 8 == 0 ? (size_t)(256 << 10) : hg_logsize(&r, 1, 8192);
    p[i] = malloc(n[i]);
    if (CHECK_NONNULL(p[i])) hg_fill(p[i], n[i], (uint64_t)i);
  }
  for (int i = 0; i < N; i++) {
    if (!p[i]) continue;
    CHECK_PATTERN(p[i], n[i], (uint64_t)i);
    free(p[i]);
  }
  if (j->from_main) {
    CHECK_PATTERN(j->from_main, j->from_main_n, (uint64_t)j->id);
    free(j->from_main);
    j->from_main = NULL;
  }
  if (j->id % 3 == 0)
    for (int i = 0; i < LEFT; i++) {
      j->left_n[i] = hg_logsize(&r, 1, 20000);
      j->left[i] = malloc(j->left_n[i]);
      if (CHECK_NONNULL(j->left[i])) hg_fill(j->left[i], j->left_n[i], (uint64_t)j->id + 1);
    }
  return NULL;
}

static size_t rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long size = 0, rss = 0;
  if (fscanf(f, "%lu %lu", &size, &rss) != 2) rss = 0;
  fclose(f);
  return rss * (size_t)sysconf(_SC_PAGESIZE);
}

int main(void) {
  static struct job jobs[BATCH];
  pthread_t th[BATCH];
  size_t rss_start = rss_bytes();
  int created = 0;
  for (int base = 0; base < THREADS; base += BATCH) {
    for (int b = 0; b < BATCH; b++) {
      struct job *j = &jobs[b];
      memset(j, 0, sizeof *j);
      j->id = base + b;
      if (j->id % 2 == 0) {
        j->from_main_n = (size_t)(j->id % 3000) + 1;
        j->from_main = malloc(j->from_main_n);
        if (CHECK_NONNULL(j->from_main)) hg_fill(j->from_main, j->from_main_n, (uint64_t)j->id);
      }
      if (CHECK_EQ(pthread_create(&th[b], NULL, run, j), 0)) created++;
      else th[b] = 0;
    }
    for (int b = 0; b < BATCH; b++) {
      struct job *j = &jobs[b];
      if (th[b]) CHECK_EQ(pthread_join(th[b], NULL), 0);
      free(j->from_main); /* only if the thread did not run */
      for (int i = 0; i < LEFT; i++)
        if (j->left[i]) {
          CHECK_PATTERN(j->left[i], j->left_n[i], (uint64_t)j->id + 1);
          free(j->left[i]);
        }
    }
  }
  size_t rss_end = rss_bytes();
  fprintf(stderr, "%d threads; RSS %zu KiB at start, %zu KiB at the end\n", created,
          rss_start >> 10, rss_end >> 10);
  CHECK_EQ(created, THREADS);
  CHECKF(rss_end < ((size_t)512 << 20), "RSS is %zu MiB after %d threads", rss_end >> 20, created);
  return check_finish();
}

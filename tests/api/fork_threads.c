/* fork() while other threads allocate: 4 threads malloc/free continuously (small,
 * medium and large blocks) while the main thread forks 200 times.  Each child frees
 * blocks the parent made before the fork (checking their contents), mallocs and frees a
 * few hundred blocks of various sizes including large ones, verifies them, and
 * _exit(0)s.  A child that does not finish within 10 s is taken as deadlocked.
 */
#include "check.h"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WORKERS 4
#define FORKS 200
#define CHILD_TIMEOUT 10.0
#define PARENT_BLOCKS 32

static int stop;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *worker(void *arg) {
  /* Lowest priority for the workers: on a small machine the children (which inherit the
     main thread's priority) must not starve behind them.  The workers still run all the
     time the main thread waits, so they are inside malloc when it forks. */
  setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19);
  hg_rng r = {(uint64_t)(intptr_t)arg};
  void *held[64] = {0};
  size_t sizes[64] = {0};
  while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
    int k = (int)(hg_next(&r) % 64);
    if (held[k]) {
      CHECK_PATTERN(held[k], sizes[k], (uint64_t)k);
      free(held[k]);
      held[k] = NULL;
    } else {
      uint64_t kind = hg_next(&r) % 64;
      size_t n = kind == 0 ? hg_range(&r, 128 << 10, 2 << 20) /* large */
                 : kind < 8 ? hg_range(&r, 4096, 100000)       /* medium */
                            : hg_range(&r, 1, 1024);            /* small */
      held[k] = kind == 1 ? calloc(1, n) : malloc(n);
      if (!CHECK_NONNULL(held[k])) continue;
      sizes[k] = n < 4096 ? n : 4096; /* only the first page carries the pattern */
      hg_fill(held[k], sizes[k], (uint64_t)k);
    }
  }
  for (int k = 0; k < 64; k++) free(held[k]);
  return NULL;
}

/* in the child: only async-signal-safe reporting (write), exit code says what failed */
static void child(unsigned char **parent_blocks, size_t *parent_sizes, int round) {
  for (int k = 0; k < PARENT_BLOCKS; k++) {
    if (hg_verify(parent_blocks[k], parent_sizes[k], (uint64_t)k + 1000) != (size_t)-1) _exit(2);
    free(parent_blocks[k]);
  }
  hg_rng r = {(uint64_t)round * 77 + 1};
  enum { N = 300 };
  unsigned char *p[N];
  size_t n[N];
  for (int i = 0; i < N; i++) {
    n[i] = i % 50 == 0 ? (size_t)hg_range(&r, 128 << 10, 1 << 20)
           : i % 10 == 0 ? (size_t)hg_range(&r, 2000, 70000)
                         : (size_t)hg_range(&r, 0, 600);
    p[i] = i % 7 == 0 ? calloc(1, n[i]) : malloc(n[i]);
    if (!p[i]) _exit(3);
    if (i % 7 == 0 && !hg_is_zero(p[i], n[i])) _exit(4);
    hg_fill(p[i], n[i], (uint64_t)i);
    if (i % 3 == 0) { /* some churn: free and reallocate an earlier one */
      int j = i / 2;
      if (hg_verify(p[j], n[j], (uint64_t)j) != (size_t)-1) _exit(5);
      unsigned char *q = realloc(p[j], n[j] + 100);
      if (!q) _exit(6);
      if (hg_verify(q, n[j], (uint64_t)j) != (size_t)-1) _exit(7);
      p[j] = q;
    }
  }
  for (int i = 0; i < N; i++) {
    if (hg_verify(p[i], n[i], (uint64_t)i) != (size_t)-1) _exit(8);
    free(p[i]);
  }
  _exit(0);
}

int main(void) {
  pthread_t th[WORKERS];
  for (int i = 0; i < WORKERS; i++)
    CHECK_EQ(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)(i + 1)), 0);

  unsigned char *blocks[PARENT_BLOCKS];
  size_t sizes[PARENT_BLOCKS];
  int ok = 0;
  double start = now();
  for (int round = 0; round < FORKS; round++) {
    for (int k = 0; k < PARENT_BLOCKS; k++) {
      sizes[k] = k % 8 == 7 ? (size_t)(200 << 10) + (size_t)k : (size_t)(k * 37 + round % 13);
      blocks[k] = malloc(sizes[k]);
      if (blocks[k]) hg_fill(blocks[k], sizes[k], (uint64_t)k + 1000);
    }
    pid_t pid = fork();
    if (!CHECK(pid >= 0)) break;
    if (pid == 0) child(blocks, sizes, round);
    int st = 0;
    pid_t w;
    double t = now();
    while ((w = waitpid(pid, &st, WNOHANG)) == 0 && now() - t < CHILD_TIMEOUT) {
      struct timespec ms = {0, 200000};
      nanosleep(&ms, NULL);
    }
    if (w == 0) {
      CHECKF(0, "fork %d: child %d did not finish in %.0f s (deadlocked?)", round, (int)pid,
             CHILD_TIMEOUT);
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
    } else if (CHECK_EQ(w, pid)) {
      if (CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "fork %d: child status %#x (%s %d)", round,
                 st, WIFSIGNALED(st) ? "signal" : "exit",
                 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st)))
        ok++;
    }
    for (int k = 0; k < PARENT_BLOCKS; k++) {
      if (blocks[k]) CHECK_PATTERN(blocks[k], sizes[k], (uint64_t)k + 1000);
      free(blocks[k]);
    }
  }
  __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
  for (int i = 0; i < WORKERS; i++) CHECK_EQ(pthread_join(th[i], NULL), 0);
  fprintf(stderr, "%d of %d children finished cleanly in %.2f s\n", ok, FORKS, now() - start);
  return check_finish();
}

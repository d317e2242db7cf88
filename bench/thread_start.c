/* thread_start.c — how long a new thread's first malloc takes.
 *
 * Starts N threads at once (default 64); each times its first malloc(100) (where a
 * thread-caching allocator finds or makes the thread's heap) and waits at a barrier.
 * Prints the mean and the worst, in microseconds.  Not part of `make bench`: it
 * guards a latency that peak-RSS work can trade away without the suite noticing (a
 * thread that yielded before making a heap, to adopt one parked by another, took
 * 0.5-13 ms here instead of 1.3 us; docs/architecture.md, wl_threads).  Run it with
 * other work on the CPUs too (e.g. two `sh -c 'while :; do :; done'`).
 *
 *   thread_start [N]        e.g. LD_PRELOAD=build/libheapguard.so build/bench/thread_start
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static pthread_barrier_t started;
static pthread_mutex_t totals_lock = PTHREAD_MUTEX_INITIALIZER;
static double worst_s, total_s;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *run(void *arg) {
  (void)arg;
  double t0 = now();
  void *volatile p = malloc(100);   /* volatile: a malloc+free pair may be elided */
  double d = now() - t0;
  free(p);
  pthread_mutex_lock(&totals_lock);
  total_s += d;
  if (d > worst_s) worst_s = d;
  pthread_mutex_unlock(&totals_lock);
  pthread_barrier_wait(&started);
  return NULL;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 64;
  if (n < 1 || n > 4096) {
    fprintf(stderr, "usage: thread_start [N]   (1 <= N <= 4096 threads)\n");
    return 2;
  }
  free(malloc(16));   /* the main thread's heap exists before the others start */
  pthread_t *t = malloc((size_t)n * sizeof *t);
  if (!t || pthread_barrier_init(&started, NULL, (unsigned)n + 1) != 0) return 1;
  for (int i = 0; i < n; i++)
    if (pthread_create(&t[i], NULL, run, NULL) != 0) {
      perror("pthread_create");
      return 1;
    }
  pthread_barrier_wait(&started);
  for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
  printf("RESULT threads=%d first_malloc_mean_us=%.1f first_malloc_worst_us=%.1f\n", n, total_s / n * 1e6,
         worst_s * 1e6);
  free(t);
  return 0;
}

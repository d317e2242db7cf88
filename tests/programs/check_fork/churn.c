/* Check mode: fork() while other threads allocate and free without pause (forkthr.c's
 * threads hold their blocks still).  Three threads churn: malloc, realloc, calloc,
 * posix_memalign and free of random sizes, keeping 16 blocks live in an array on their
 * stacks.  The main thread forks argv[1] children one after the other; each mallocs and
 * frees a little, loses one block of 55 bytes and exits 0, which check mode turns into
 * 99 for the leak.  A child must never hang (a lock another thread held at the fork:
 * waited for 20 s, then killed) and must end with 99.  Prints "children N of M ended
 * 99, H hung". */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static _Atomic int stop, started;
static char *volatile lost;

static void *churn(void *arg) {
  uint64_t x = 0x9e3779b97f4a7c15ull * ((uintptr_t)arg + 1);
  char *live[16] = { 0 };
  atomic_fetch_add(&started, 1);
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    unsigned i = x % 16;
    size_t n = 1 + (x >> 8) % 3000;
    char *p = live[i];
    switch ((x >> 4) % 4) {
    case 0: free(p); p = malloc(n); break;
    case 1: p = realloc(p, n); break;
    case 2: free(p); p = calloc(1, n); break;
    default: free(p); p = NULL; if (posix_memalign((void **)&p, 64, n) != 0) p = NULL; break;
    }
    if (p) p[0] = 1;
    live[i] = p;
  }
  for (unsigned i = 0; i < 16; i++) free(live[i]);
  return NULL;
}

static bool child_ended(pid_t pid, int *status) {
  for (int waited = 0; waited < 2000; waited++) {   /* 20 s */
    if (waitpid(pid, status, WNOHANG) == pid) return true;
    struct timespec ts = { 0, 10 * 1000 * 1000 };
    nanosleep(&ts, NULL);
  }
  kill(pid, SIGKILL);
  waitpid(pid, status, 0);
  return false;
}

int main(int argc, char **argv) {
  int children = argc > 1 ? atoi(argv[1]) : 20, ok = 0, hung = 0;
  pthread_t t[3];
  for (uintptr_t i = 0; i < 3; i++) pthread_create(&t[i], NULL, churn, (void *)i);
  while (atomic_load(&started) < 3) sched_yield();
  for (int c = 0; c < children; c++) {
    struct timespec ts = { 0, 2 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    pid_t pid = fork();
    if (pid < 0) return 2;
    if (pid == 0) {
      for (int i = 0; i < 100; i++) free(malloc((size_t)(i * 13) % 700 + 1));
      lost = malloc(55);
      memset(lost, 5, 55);
      lost = NULL;
      exit(0);
    }
    int status = 0;
    if (!child_ended(pid, &status)) hung++;
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 99) ok++;
    else fprintf(stderr, "child %d: status %#x\n", c, status);
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
  printf("children %d of %d ended 99, %d hung\n", ok, children, hung);
  return 0;
}

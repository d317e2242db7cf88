/* A signal storm: SIGALRM every 100 us, whose handler mallocs and frees, while the
 * program mallocs and frees blocks of 1 B to 200 KB for SECONDS (default 1).  malloc
 * is not async-signal-safe: glibc's own malloc aborts here within a second or two
 * ("corrupted double-linked list", or a failed assertion) or deadlocks.  heapguard
 * must never hang: it finishes ("done"), or aborts saying that its allocator was
 * called again from inside itself.  In sampled guard mode a request from the handler
 * while this thread is inside a sampled block's allocation or a free is not sampled,
 * so those never abort.  Usage: storm [SECONDS] */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile long nsig;
static char *volatile sink;

static void on_alarm(int sig) {
  (void)sig;
  sink = malloc(1 + (size_t)(nsig % 3000));
  if (sink) sink[0] = 1;
  free(sink);
  nsig++;
}

int main(int argc, char **argv) {
  int secs = argc > 1 ? atoi(argv[1]) : 1;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it = { { 0, 100 }, { 0, 100 } };
  setitimer(ITIMER_REAL, &it, NULL);
  static void *keep[256];
  unsigned x = 1;
  long n = 0;
  time_t end = time(NULL) + secs;
  while (time(NULL) < end) {
    for (int i = 0; i < 10000; i++) {
      x = x * 1103515245 + 12345;
      unsigned k = (x >> 8) & 255;
      free(keep[k]);
      size_t size = (x >> 16) % ((x & 1) ? 200 : 200000);
      keep[k] = malloc(size + 1);
      n++;
    }
  }
  it = (struct itimerval){ { 0, 0 }, { 0, 0 } };
  setitimer(ITIMER_REAL, &it, NULL);
  for (int k = 0; k < 256; k++) free(keep[k]);
  printf("done\n");
  fprintf(stderr, "signals %ld, allocations %ld\n", nsig, n);
  return 0;
}

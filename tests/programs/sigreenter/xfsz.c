/* A signal handler that calls malloc, delivered while this thread is inside the
 * allocator holding a lock, deterministically: with HEAPGUARD_TRACE=FILE every
 * kernel call the allocator makes (the heap growing, under its region lock) writes a
 * line to FILE, and with RLIMIT_FSIZE at FILE's size the write raises SIGXFSZ, in the
 * allocator.  The handler allocates blocks of new sizes, which need the region lock
 * too.  The allocator must not wait for ever for the lock its own thread holds: it
 * aborts, saying why (glibc's malloc is no better defined here: it is not
 * async-signal-safe).  Without the trace, nothing is written, no signal comes, and the
 * program prints "done".  Usage: xfsz TRACEFILE */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile int signals;
static char *volatile sink;   /* (the compiler may not drop a malloc and free pair) */

static void on_xfsz(int sig) {
  (void)sig;
  signals++;
  for (size_t n = 1000; n < 200000; n += 7777) {   /* spans of classes not used yet */
    sink = malloc(n);
    free(sink);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_xfsz;
  sigaction(SIGXFSZ, &sa, NULL);
  free(malloc(100));   /* the thread's heap and the allocator's first records: not in the handler */
  struct stat st;
  off_t size = stat(argv[1], &st) == 0 ? st.st_size : 0;
  struct rlimit rl = { (rlim_t)size + 1, RLIM_INFINITY };   /* the next line overflows it */
  if (setrlimit(RLIMIT_FSIZE, &rl) != 0) return 3;
  static char *keep[20000];
  for (int i = 0; i < 20000; i++) {   /* 80 MB: the heap grows, and each growth is traced */
    keep[i] = malloc(4000);
    keep[i][0] = (char)i;
  }
  for (int i = 0; i < 20000; i++) free(keep[i]);
  rl.rlim_cur = RLIM_INFINITY;   /* stdout may be a file */
  setrlimit(RLIMIT_FSIZE, &rl);
  printf("done\n");
  fprintf(stderr, "signals: %d\n", signals);
  return 0;
}

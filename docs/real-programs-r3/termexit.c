/* SIGTERM's handler calls exit() while 3 threads malloc/free: exit handlers (and check
 * mode's leak scan) run with the others still allocating. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static void *keep[3][512];
static void *worker(void *arg) {
  long t = (long)arg; unsigned x = 1 + t;
  for (;;) {
    x = x * 1103515245 + 12345;
    int i = (x >> 8) % 512;
    free(keep[t][i]);
    size_t n = (x >> 16) % 3 == 0 ? (x >> 4) % 300000 : (x >> 4) % 2000;
    keep[t][i] = malloc(n + 1);
    if (keep[t][i]) memset(keep[t][i], t, n + 1);
  }
  return 0;
}
static void onterm(int s) { (void)s; exit(3); }
int main(int argc, char **argv) {
  signal(SIGTERM, onterm);
  pthread_t th[3];
  for (long t = 0; t < 3; t++) pthread_create(&th[t], 0, worker, (void *)t);
  if (argc > 1) { usleep(atoi(argv[1]) * 1000); kill(getpid(), argc > 2 ? SIGKILL : SIGTERM); }
  for (;;) pause();
}

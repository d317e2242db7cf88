/* fork from a multi-threaded program while threads malloc; the child mallocs, then
 * execs or exits: no deadlock (each child must end within its parent's 10 s wait). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>
static volatile int stop;
static void *worker(void *arg) {
  unsigned x = (unsigned)(long)arg; void *keep[64] = {0};
  while (!stop) {
    x = x * 1103515245 + 12345; int i = (x >> 8) % 64; free(keep[i]);
    keep[i] = malloc((x >> 12) % ((x & 1) ? 200000 : 1500) + 1);
  }
  for (int i = 0; i < 64; i++) free(keep[i]);
  return 0;
}
int main(void) {
  pthread_t th[4];
  for (long t = 0; t < 4; t++) pthread_create(&th[t], 0, worker, (void *)(t + 1));
  int bad = 0;
  for (int k = 0; k < 100; k++) {
    pid_t p = fork();
    if (p == 0) {
      void *v[100];
      for (int i = 0; i < 100; i++) { v[i] = malloc(i * 97 + 1); memset(v[i], i, i * 97 + 1); }
      for (int i = 0; i < 100; i++) free(v[i]);
      char *s = strdup("child");
      if (k % 10 == 0) execl("/bin/true", "true", (char *)0);
      _exit(s[0] == 'c' ? 0 : 1);
    }
    int st; time_t t0 = time(0); pid_t r;
    while ((r = waitpid(p, &st, WNOHANG)) == 0 && time(0) - t0 < 10) usleep(1000);
    if (r == 0) { printf("child %d deadlocked\n", k); kill(p, 9); waitpid(p, &st, 0); bad++; }
    else if (!WIFEXITED(st) || WEXITSTATUS(st)) { printf("child %d status %x\n", k, st); bad++; }
  }
  stop = 1;
  for (int t = 0; t < 4; t++) pthread_join(th[t], 0);
  printf("forks done, %d bad\n", bad);
  return bad != 0;
}

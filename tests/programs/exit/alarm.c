/* A SIGALRM handler calls _exit(7) while the main loop mallocs and frees: the signal
 * often lands inside the allocator, which may hold a lock _exit's work needs.  The
 * process must end (with status 7, or the error exit code), never hang. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static void *slots[256];

static void on_alarm(int sig) {
  (void)sig;
  _exit(7);
}

int main(int argc, char **argv) {
  long usec = argc > 1 ? atol(argv[1]) : 3000;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it = { { 0, 0 }, { usec / 1000000, usec % 1000000 } };
  setitimer(ITIMER_REAL, &it, NULL);
  for (unsigned long i = 0;; i++) {
    unsigned k = (unsigned)(i * 2654435761u) % 256;
    free(slots[k]);
    slots[k] = malloc(16 + (i * 7919) % 3000);
  }
}

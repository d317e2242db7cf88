/* Threads malloc and free without pause while the main thread calls _exit(7): the
 * exit-time work contends with them for every lock it takes, waits for each (the
 * holder runs on), and finishes: a full report, status 7 (argv[1]: thread count). */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "churn.h"

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 3;
  for (int i = 0; i < n; i++) {
    pthread_t t;
    if (pthread_create(&t, NULL, churn, (void *)(size_t)(i * 1000003)) != 0) return 2;
  }
  struct timespec ts = { 0, 100 * 1000 * 1000 };
  nanosleep(&ts, NULL);
  _exit(7);
}

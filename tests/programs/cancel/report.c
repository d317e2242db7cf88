/* A thread with a deferred cancellation pending makes two heap errors: an overflow
 * (reported at its free) and a double free (reported at once).  Its reports contain
 * no cancellation point of glibc's malloc (which has none), so it must run on to its
 * pthread_testcancel; the main thread then allocates and exits, and the summary must
 * count both errors.  The reports' symbolisation opens files (libdw reads
 * /proc/PID/auxv): the thread was cancelled inside its first report, holding the
 * report lock, and the exit-time summary waited for it for ever.  Run by cancel.sh in
 * check, guard and sampled guard mode.  Prints "cancelled at N" (N: 1 expected). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int reached;
static char *volatile blocks[2];

static void *body(void *arg) {
  (void)arg;
  pthread_cancel(pthread_self());   /* deferred: it acts at the next cancellation point */
  blocks[0] = malloc(24);
  blocks[0][24] = 1;   /* one byte past the end: found at the free */
  free(blocks[0]);
  blocks[1] = malloc(32);
  free(blocks[1]);
  free(blocks[1]);     /* double free: reported at once */
  reached = 1;
  pthread_testcancel();
  reached = 2;
  return NULL;
}

int main(void) {
  pthread_t t;
  void *r;
  if (pthread_create(&t, NULL, body, NULL) != 0 || pthread_join(t, &r) != 0) return 2;
  printf("%s at %d\n", r == PTHREAD_CANCELED ? "cancelled" : "returned", reached);
  free(malloc(100));   /* the allocator's locks are free */
  return 0;
}

// expect-error: double-free
// expect-text: bug_double_free_thread\.c:20\)
// expect-text: bug_double_free_thread\.c:11\)
/* Double free across threads: a worker thread frees the block, then the main thread
   frees it again. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void *worker(void *block) {
  free(block);                           /* first free, in the worker */
  return NULL;
}

int main(void) {
  char *p = malloc(64);
  memset(p, 1, 64);
  pthread_t t;
  if (pthread_create(&t, NULL, worker, p) != 0 || pthread_join(t, NULL) != 0) return 1;
  free(p);                               /* BUG: the worker freed it */
  return 0;
}

/* churn.h — a thread body for the exit tests: malloc and free without pause, over 64
 * slots of 16..2015 bytes, from a seed (arg), until the process ends. */
#include <stdlib.h>

static void *churn(void *arg) {
  void *slots[64] = { 0 };
  for (unsigned long i = (unsigned long)(size_t)arg;; i++) {
    unsigned k = (unsigned)(i * 2654435761u) % 64;
    free(slots[k]);
    slots[k] = malloc(16 + (i * 7919) % 2000);
  }
  return NULL;
}

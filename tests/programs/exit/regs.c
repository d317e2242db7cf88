/* Blocks held only in a running thread's registers at exit must not be reported lost.
 * Built at -O2.  argv[1]: exit or _exit; argv[2]: churning threads.
 *   * "holders" malloc a block, wipe the stack below them (the allocator's frames left
 *     copies of its address there), then loop touching the block: its address is in a
 *     register alone, never in memory (it passes through memory only XORed with a key);
 *   * "keepers" hold a block in a register across malloc/free calls that contend with
 *     the churners' (so the exit-time scan often finds them waiting in the allocator's
 *     lock, or inside it);
 *   * churners malloc and free without pause, as tests/programs/exit/threads.c.
 * The main thread waits until every holder and keeper has its block, then exits: the
 * leak summary must say "definitely lost: 0 bytes in 0 blocks". */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../common/register_block.h"

#define HOLDERS 2
#define KEEPERS 2

static _Atomic int ready;

static void *holder(void *arg) {
  char *p = register_block(100 + (size_t)arg);
  atomic_fetch_add(&ready, 1);
  for (unsigned i = 0;; i++) {
    __asm__ volatile("" : "+r"(p));   /* p stays in a register: never spilled, never rebuilt */
    p[i % 100]++;
  }
  return NULL;
}

static void *keeper(void *arg) {
  char *q = register_block(200 + (size_t)arg);
  atomic_fetch_add(&ready, 1);
  for (unsigned i = 0;; i++) {
    __asm__ volatile("" : "+r"(q));
    free(malloc(16 + (i * 7919) % 1000));
    q[i % 200]++;
  }
  return NULL;
}

#include "churn.h"

int main(int argc, char **argv) {
  int n = argc > 2 ? atoi(argv[2]) : 2;
  pthread_t t;
  for (int i = 0; i < HOLDERS; i++)
    if (pthread_create(&t, NULL, holder, (void *)(size_t)i) != 0) return 2;
  for (int i = 0; i < KEEPERS; i++)
    if (pthread_create(&t, NULL, keeper, (void *)(size_t)i) != 0) return 2;
  for (int i = 0; i < n; i++)
    if (pthread_create(&t, NULL, churn, (void *)(size_t)(i * 1000003)) != 0) return 2;
  while (atomic_load(&ready) < HOLDERS + KEEPERS) {
    struct timespec ts = { 0, 1000 * 1000 };
    nanosleep(&ts, NULL);
  }
  struct timespec ts = { 0, 20 * 1000 * 1000 };
  nanosleep(&ts, NULL);
  if (argc > 1 && strcmp(argv[1], "_exit") == 0) _exit(7);
  exit(7);
}

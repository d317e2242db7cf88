/* unit/lock: the futex mutex (src/lock.h, src/lock.c).
 *
 * 4 threads each increment a shared plain counter 1,000,000 times under
 * hg_lock/hg_unlock: the final count is exact.  A second round makes the critical
 * section long enough (a yield inside) that waiters go to sleep on the futex, so the
 * waiters' wake path is exercised too; the lock ends unlocked (state 0).
 */
#include "check.h"

#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lock.h"

#define NTHREADS 4
#define ITERS 1000000

static hg_lock_t lock = HG_LOCK_INIT;
static volatile unsigned long counter;   /* plain (non-atomic) read-modify-write */
static pthread_barrier_t start;

static void *hammer(void *arg) {
  (void)arg;
  pthread_barrier_wait(&start);
  for (int i = 0; i < ITERS; i++) {
    hg_lock(&lock);
    counter = counter + 1;
    hg_unlock(&lock);
  }
  return NULL;
}

#define SLOW_ITERS 2000
static volatile int inside;

static void *slow(void *arg) {
  (void)arg;
  pthread_barrier_wait(&start);
  for (int i = 0; i < SLOW_ITERS; i++) {
    hg_lock(&lock);
    CHECK(++inside == 1);   /* mutual exclusion */
    unsigned long c = counter;
    if (i % 4 == 0) sched_yield();   /* hold the lock a while: others spin out and sleep */
    counter = c + 1;
    --inside;
    hg_unlock(&lock);
  }
  return NULL;
}

static void run(void *(*fn)(void *), unsigned long expect) {
  pthread_t t[NTHREADS];
  counter = 0;
  pthread_barrier_init(&start, NULL, NTHREADS);
  for (int i = 0; i < NTHREADS; i++)
    if (pthread_create(&t[i], NULL, fn, NULL) != 0) check_skip("pthread_create failed");
  for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], NULL);
  pthread_barrier_destroy(&start);
  CHECKF(counter == expect, "counter %lu, expected %lu", counter, expect);
  CHECK_EQ(atomic_load(&lock.state), 0);
}

int main(void) {
  /* single-threaded basics */
  hg_lock(&lock);
  CHECK_EQ(atomic_load(&lock.state), hg_lock_me());   /* the holder's id (lock.h) */
  CHECK(hg_lock_me() == (int)syscall(SYS_gettid));
  hg_unlock(&lock);
  CHECK_EQ(atomic_load(&lock.state), 0);
  hg_lock(&lock);
  hg_lock_reset(&lock);
  CHECK_EQ(atomic_load(&lock.state), 0);

  run(hammer, (unsigned long)NTHREADS * ITERS);
  run(slow, (unsigned long)NTHREADS * SLOW_ITERS);
  return check_finish();
}

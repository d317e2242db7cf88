/* unit/lock_signal: a signal handler that takes a lock its thread is just taking or
 * dropping must not wait for ever.
 *
 * hg_lock used to set the lock's state, then its owner; hg_unlock cleared the owner,
 * then the state.  A signal arriving between the two found the lock held by no recorded
 * owner: a handler that then called the allocator (not async-signal-safe, but programs
 * do) slept on the futex for ever, where a thread interrupted while holding the lock
 * gets the self-deadlock abort (lock.c).  (Now the owner is the state: one step each.)
 * Rare in a real program (the storm test of tests/programs/sigreenter.sh hung about
 * once in 500 runs), near certain here: a child takes and drops the lock in a tight
 * loop under a SIGALRM storm whose handler takes it too, skipping the moments the
 * thread holds it (that case has its own check).  The child must end by itself: by the
 * abort (a window was hit and recognised) or by finishing its signals (none was hit);
 * still running after 20 s means a handler waits for ever.
 */
#define _GNU_SOURCE
#include "check.h"

#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"

static hg_lock_t lock = HG_LOCK_INIT;
static volatile long handled;

static void on_alarm(int sig) {
  (void)sig;
  if ((atomic_load_explicit(&lock.state, memory_order_relaxed) & ~HG_LOCK_WAITERS) == hg_lock_me()) return;
  hg_lock(&lock);
  hg_unlock(&lock);
  handled++;
}

static void child(void) {
  struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it = { { 0, 20 }, { 0, 20 } };
  setitimer(ITIMER_REAL, &it, NULL);
  time_t end = time(NULL) + 5;
  while (handled < 200000 && time(NULL) < end)
    for (int i = 0; i < 100000; i++) {
      hg_lock(&lock);
      hg_unlock(&lock);
    }
  _exit(0);
}

int main(void) {
  pid_t pid = fork();
  if (pid < 0) check_skip("fork failed");
  if (pid == 0) child();
  int st = 0;
  for (int i = 0; i < 200 && waitpid(pid, &st, WNOHANG) == 0; i++) usleep(100 * 1000);
  if (waitpid(pid, &st, WNOHANG) == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    CHECKF(0, "a signal handler waited for ever for a lock its own thread was taking or dropping");
  } else {
    CHECKF((WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT) || (WIFEXITED(st) && WEXITSTATUS(st) == 0),
           "child ended with status 0x%x", st);
  }
  return check_finish();
}

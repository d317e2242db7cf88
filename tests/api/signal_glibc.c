/* signal(), which heapguard exports in every mode (src/fault.c), with glibc's semantics:
 * after siginterrupt(sig, 1) a handler set with signal() lets an interrupted call fail
 * with EINTR (a read timed out by an alarm returns instead of blocking for ever), and
 * siginterrupt(sig, 0) brings restarting back; the handler stays (BSD semantics), its
 * own signal is blocked while it runs, the previous handler is returned; SIG_ERR as
 * the handler, signal 0, NSIG, SIGKILL and glibc's internal signals are EINVAL. */
#define _GNU_SOURCE
#include "../check.h"   /* (also built from tests/bugs and tests/guard) */

#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations" /* siginterrupt */

static volatile sig_atomic_t hits;
static void on_alarm(int sig) { (void)sig; hits++; }
static void other(int sig) { (void)sig; }

/* A watchdog: a read the signal did not end gets a byte after 2 s (the test fails
 * rather than hangs). */
static void *watchdog(void *arg) {
  sleep(2);
  (void)!write(*(int *)arg, "x", 1);
  return NULL;
}

/* A blocking read of an empty pipe, with a timer 20 ms away: the read's result and
 * errno. */
static ssize_t timed_read(int *err) {
  int fd[2];
  if (!CHECK(pipe(fd) == 0)) return 0;
  pthread_t w;
  CHECK(pthread_create(&w, NULL, watchdog, &fd[1]) == 0);
  struct itimerval t = { { 0, 0 }, { 0, 20000 } };
  CHECK(setitimer(ITIMER_REAL, &t, NULL) == 0);
  char c;
  errno = 0;
  ssize_t r = read(fd[0], &c, 1);
  *err = errno;
  pthread_cancel(w);
  pthread_join(w, NULL);
  close(fd[0]);
  close(fd[1]);
  return r;
}

static int flags_of(int sig) {
  struct sigaction sa;
  CHECK(sigaction(sig, NULL, &sa) == 0);
  return sa.sa_flags;
}

int main(void) {
  /* siginterrupt before signal: glibc remembers it for signal() */
  CHECK(siginterrupt(SIGALRM, 1) == 0);
  CHECK(signal(SIGALRM, on_alarm) != SIG_ERR);
  CHECKF(!(flags_of(SIGALRM) & SA_RESTART), "signal() after siginterrupt(SIGALRM, 1) set SA_RESTART");
  int e = 0;
  ssize_t r = timed_read(&e);
  CHECKF(r == -1 && e == EINTR, "read interrupted by SIGALRM returned %zd (errno %d), not -1 (EINTR)", r, e);
  CHECK_EQ(hits, 1);
  /* the handler stays (BSD semantics, not System V's one-shot) */
  r = timed_read(&e);
  CHECKF(r == -1 && e == EINTR, "second read returned %zd (errno %d)", r, e);
  CHECK_EQ(hits, 2);
  struct sigaction sa;
  CHECK(sigaction(SIGALRM, NULL, &sa) == 0);
  CHECK(sa.sa_handler == on_alarm);
  CHECK(!(sa.sa_flags & SA_RESETHAND));
  CHECK(sigismember(&sa.sa_mask, SIGALRM) == 1);

  /* siginterrupt(sig, 0): signal() restarts again */
  CHECK(siginterrupt(SIGALRM, 0) == 0);
  CHECK(signal(SIGALRM, on_alarm) == on_alarm);
  CHECKF(flags_of(SIGALRM) & SA_RESTART, "signal() after siginterrupt(SIGALRM, 0) did not set SA_RESTART");
  CHECK(signal(SIGALRM, SIG_DFL) == on_alarm);

  /* a signal never given to siginterrupt restarts */
  CHECK(signal(SIGUSR1, other) == SIG_DFL);
  CHECK(flags_of(SIGUSR1) & SA_RESTART);
  CHECK(signal(SIGUSR1, SIG_IGN) == other);
  CHECK(signal(SIGUSR1, SIG_DFL) == SIG_IGN);

  /* the errors: nothing changes, errno EINVAL */
  static const int bad[] = { 0, -1, NSIG, 1000, SIGKILL, SIGSTOP, 32, 33 };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    errno = 0;
    CHECKF(signal(bad[i], other) == SIG_ERR && errno == EINVAL, "signal(%d, handler): errno %d", bad[i], errno);
  }
  static const int sigs[] = { SIGUSR2, SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL };
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
    errno = 0;
    CHECKF(signal(sigs[i], SIG_ERR) == SIG_ERR && errno == EINVAL, "signal(%d, SIG_ERR): errno %d", sigs[i], errno);
    CHECKF(signal(sigs[i], SIG_DFL) == SIG_DFL, "signal(%d, SIG_ERR) changed the action", sigs[i]);
  }
  return check_finish();
}

/* fork() from a signal handler that interrupted malloc or free, in a single-threaded
 * process: glibc's fork is async-signal-safe as far as its malloc goes there (its own
 * test, malloc/tst-mallocfork2.c, which this follows).  A child process sends SIGUSR1
 * as fast as it can while this one mallocs and frees blocks up to 70,000 bytes; the
 * handler stops the sender, forks a child that only exits, and waits for it; SIGNALS (200) of
 * the signals must have arrived during a malloc or free.  The allocator's fork
 * handlers found its locks held by the interrupted call and aborted ("called again by
 * a thread already inside it"). */
#define _GNU_SOURCE
#include "../check.h"   /* (also built from tests/bugs and tests/guard) */

#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define OBJECTS 1009
#define MAX_SIZE 70000
#ifndef SIGNALS
#define SIGNALS 200
#endif

static pid_t sender;
static volatile sig_atomic_t received, bad_child;

static void on_usr1(int sig) {
  (void)sig;
  if (received) return;
  if (sender > 0) kill(sender, SIGSTOP);   /* let the loop make progress */
  received = 1;
  pid_t pid = fork();
  if (pid < 0) {
    bad_child = -1;
    return;
  }
  if (pid == 0) _exit(0);
  int st;
  while (waitpid(pid, &st, 0) < 0) {
  }
  if (st != 0) bad_child = st;
}

int main(void) {
  alarm(120);   /* a deadlock kills the test rather than hangs it */
  struct sigaction act = { .sa_handler = on_usr1 };
  sigemptyset(&act.sa_mask);
  CHECK(sigaction(SIGUSR1, &act, NULL) == 0);
  sender = fork();
  if (sender == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);   /* not left behind, stopped, if the test dies */
    pid_t target = getppid();
    for (;;) {
      if (kill(target, SIGUSR1) != 0) _exit(1);
      sched_yield();
    }
  }
  if (!CHECK(sender > 0)) return check_finish();
  static void *objects[OBJECTS];
  unsigned signals = 0, seed = 1;
  while (signals < SIGNALS && !bad_child) {
    int slot = rand_r(&seed) % OBJECTS;
    size_t size = (size_t)rand_r(&seed) % MAX_SIZE;
    kill(sender, SIGCONT);
    received = 0;
    free(objects[slot]);
    objects[slot] = malloc(size);
    if (received) signals++;
    if (!CHECK(objects[slot] != NULL)) break;
  }
  signal(SIGUSR1, SIG_IGN);
  kill(sender, SIGKILL);
  waitpid(sender, NULL, 0);
  CHECKF(bad_child == 0, "a child forked in the handler: status %#x", (unsigned)bad_child);
  CHECK_EQ(signals, SIGNALS);
  for (int i = 0; i < OBJECTS; i++) free(objects[i]);
  return check_finish();
}

/* fork handlers that allocate, registered before the allocator's own: glibc's fork()
 * takes its malloc's locks after every prepare handler and lets them go before any
 * parent or child handler, so all of them may call malloc.  Handlers registered from
 * a preinit function (the earliest code of a process, before any library's
 * constructor, as a library's constructor runs before a preloaded library's) allocate
 * small, medium and large blocks (malloc, calloc, realloc, free) in prepare, parent
 * and child, while another thread allocates too; each fork's child also allocates after
 * its handler and exits.  alarm() ends a process that deadlocks. */
#include "check.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define FORKS 20

static void *kept[3];
static volatile int prepared, in_parent, in_child;

/* A few blocks of every kind, one kept until the next call (freed across the fork). */
static int churn(int which) {
  static const size_t sizes[] = { 24, 700, 5000, 100000, 300000 };
  int ok = 1;
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    char *p = malloc(sizes[i]), *z = calloc(1, sizes[i]);
    ok &= p && z && z[sizes[i] - 1] == 0;
    if (p) memset(p, which, sizes[i]);
    char *r = realloc(p, sizes[i] * 2 + 1);
    ok &= r != NULL && r[sizes[i] - 1] == which;
    free(r ? r : p);
    free(z);
  }
  free(kept[which]);
  kept[which] = malloc(4096);
  return ok && kept[which];
}

static void prepare(void) { prepared += churn(0); }
static void parent(void) { in_parent += churn(1); }
static void child(void) { in_child += churn(2); }

static void early(int argc, char **argv, char **envp) {
  (void)argc, (void)argv, (void)envp;
  pthread_atfork(prepare, parent, child);
}
__attribute__((section(".preinit_array"), used)) static void (*early_entry)(int, char **, char **) = early;

static volatile int stop;
static void *worker(void *arg) {
  (void)arg;
  while (!stop) free(malloc(200000)), free(malloc(40));
  return NULL;
}

int main(void) {
  alarm(60);   /* a deadlocked fork kills the test instead of hanging it */
  pthread_t t;
  CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
  for (int i = 0; i < FORKS; i++) {
    int before = in_child;
    pid_t pid = fork();
    if (!CHECK(pid >= 0)) break;
    if (pid == 0) {
      alarm(10);
      int ok = in_child == before + 1;
      void *p = malloc(300000), *q = malloc(24);
      ok &= p && q;
      free(p);
      free(q);
      _exit(ok ? 0 : 3);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "fork %d: child status %#x", i, st);
  }
  stop = 1;
  pthread_join(t, NULL);
  CHECK_EQ(prepared, FORKS);
  CHECK_EQ(in_parent, FORKS);
  for (int i = 0; i < 3; i++) free(kept[i]);
  return check_finish();
}

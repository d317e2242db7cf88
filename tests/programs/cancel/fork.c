/* A thread with a deferred cancellation pending forks: fork is no cancellation point,
 * so the child must come back from it, allocate, and exit with its own status (7); the
 * parent, its cancellation turned off to wait, prints "child status 7".  Run by
 * cancel.sh in the modes whose fork handlers close the parent's per-process files (a
 * log, stats file, trace or timeline named with %p): they closed them with libc's
 * close(2), a cancellation point, so the child was cancelled inside fork and exited 0
 * at once (trace mode: died by SIGABRT). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *volatile keep;

static void *body(void *arg) {
  (void)arg;
  pthread_cancel(pthread_self());   /* deferred: it acts at the next cancellation point */
  for (int i = 0; i < 100; i++) free(malloc((size_t)i * 10 + 1));
  pid_t pid = fork();
  if (pid == 0) {
    keep = malloc(40);
    memset(keep, 1, 40);
    free(keep);
    _exit(7);
  }
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
  int st = 0;
  if (pid < 0 || waitpid(pid, &st, 0) != pid) st = -1;
  printf("child %s %d\n", st == -1 ? "none" : WIFEXITED(st) ? "status" : "signal",
         st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
  return NULL;
}

int main(void) {
  pthread_t t;
  if (pthread_create(&t, NULL, body, NULL) != 0 || pthread_join(t, NULL) != 0) return 2;
  return 0;
}

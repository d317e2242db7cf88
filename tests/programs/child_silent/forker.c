/* child_silent/forker.c — for tests/programs/child_silent.sh:
 *   forker exit|clean|crash|overflow|exec [PROG]
 * leaks 24 bytes (parent_leak), then forks a child that leaks 40 bytes (forked_leak),
 * frees a block twice (not with clean), then: exit, clean: exits 5; crash: dereferences a null pointer
 * (SIGSEGV); overflow: writes one byte past a 4096-byte block (guard mode's fault);
 * exec: execs PROG.  The parent prints "child status N" (128 + the signal for a
 * child killed by one) and exits 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile sink;

__attribute__((noinline)) static void parent_leak(void) {
  sink = malloc(24);
  sink = NULL;
}

__attribute__((noinline)) static void forked_leak(void) {
  sink = malloc(40);
  sink = NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  parent_leak();
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return 126;
  if (pid == 0) {
    forked_leak();
    char *p = malloc(10);
    free(p);
    if (strcmp(argv[1], "clean") != 0) free(p);
    if (strcmp(argv[1], "crash") == 0) {
      volatile int *null = NULL;
      *null = 1;
    }
    if (strcmp(argv[1], "overflow") == 0) {
      volatile char *b = malloc(4096);
      b[4096] = 1;
      free((void *)b);
    }
    if (strcmp(argv[1], "exec") == 0 && argc > 2) {
      execv(argv[2], argv + 2);
      _exit(127);
    }
    exit(5);
  }
  int st;
  if (waitpid(pid, &st, 0) < 0) return 126;
  printf("child status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
  return 0;
}

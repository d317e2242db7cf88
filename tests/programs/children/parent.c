/* children/parent.c — a program that runs another, for tests/programs/children.sh:
 *   parent exec|spawn|system|fork-exec|envp CHILD [ARGS...]
 * runs CHILD by execv, posix_spawn, system(3), fork then execv, or execve with main's
 * own envp, after leaking 24 bytes itself (a definite leak from parent_leak), and ends
 * with the child's exit status (exec: the child's, being it).  "env" prints the
 * environment the child would get, one variable a line, instead. */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static void *volatile sink;

__attribute__((noinline)) static void parent_leak(void) {
  sink = malloc(24);
  sink = NULL;
}

static int status_of(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st); }

int main(int argc, char **argv, char **envp) {
  if (argc < 2) return 2;
  parent_leak();
  const char *how = argv[1];
  if (strcmp(how, "env") == 0) {
    for (char **e = environ; *e; e++) puts(*e);
    return 0;
  }
  if (argc < 3) return 2;
  char **child = argv + 2;
  if (strcmp(how, "exec") == 0) {
    execv(child[0], child);
    return 127;
  }
  if (strcmp(how, "envp") == 0) {
    execve(child[0], child, envp);
    return 127;
  }
  if (strcmp(how, "spawn") == 0) {
    pid_t pid;
    int st;
    if (posix_spawn(&pid, child[0], NULL, NULL, child, environ) != 0) return 127;
    if (waitpid(pid, &st, 0) < 0) return 126;
    return status_of(st);
  }
  if (strcmp(how, "system") == 0) {
    int st = system(child[0]);
    return st < 0 ? 126 : status_of(st);
  }
  if (strcmp(how, "fork-exec") == 0) {
    pid_t pid = fork();
    int st;
    if (pid == 0) {
      execv(child[0], child);
      _exit(127);
    }
    if (pid < 0 || waitpid(pid, &st, 0) < 0) return 126;
    return status_of(st);
  }
  return 2;
}

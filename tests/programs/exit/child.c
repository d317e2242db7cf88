/* Leaks one 24-byte block, then makes a child as argv[1] says and waits for it:
 *   vfork   vfork(), exec of a missing program fails, the child calls _exit(127)
 *   vfork-exit  the same, but the child calls exit(127) (wrong after vfork, and seen)
 *   vfork-quick  the same, but the child calls quick_exit(127)
 *   spawn   posix_spawn() of a missing program (glibc: clone(CLONE_VM|CLONE_VFORK))
 *   fork    fork(), the child calls _exit(5)
 *   fork-exit  fork(), the child calls exit(5)
 * and ends with _exit(0).  Prints the child's status. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static void *volatile sink;

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  sink = malloc(24);
  sink = NULL;
  char *const args[] = { "/nonexistent/heapguard-test", NULL };
  pid_t pid;
  int status = 0;
  if (strncmp(argv[1], "vfork", 5) == 0) {
    pid = vfork();
    if (pid == 0) {
      execve(args[0], args, environ);
      if (strcmp(argv[1], "vfork-quick") == 0) quick_exit(127);
      if (argv[1][5]) exit(127);
      _exit(127);
    }
  } else if (strcmp(argv[1], "spawn") == 0) {
    int err = posix_spawn(&pid, args[0], NULL, NULL, args, environ);
    if (err) {
      printf("posix_spawn: %s\n", strerror(err));
      pid = -1;
    }
  } else {
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
      free(malloc(10));   /* the child can allocate */
      if (strcmp(argv[1], "fork-exit") == 0) exit(5);
      _exit(5);
    }
  }
  if (pid > 0 && waitpid(pid, &status, 0) == pid) printf("child status %d\n", WEXITSTATUS(status));
  fflush(stdout);
  _exit(0);
}

/* tests/programs/xml.sh: three processes, each with its own XML document.  The parent
 * forks a child that frees a block twice and exits, then runs argv[1] (a program that
 * frees a pointer into a block: a fork, then an exec), waits for both and exits 0
 * with no error of its own. */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void twice(void) {
  char *volatile p = malloc(8);
  free(p);
  free(p);   /* BUG: the forked child's double free */
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  pid_t child = fork();
  if (child == 0) {
    twice();
    exit(0);
  }
  waitpid(child, NULL, 0);
  pid_t runner = fork();
  if (runner == 0) {
    execv(argv[1], argv + 1);
    _exit(127);
  }
  waitpid(runner, NULL, 0);
  return 0;
}

/* fork.c — the parent allocates, forks; the child allocates and frees a large block
 * (its own trace lines, with its own pid) and exits; the parent does the same after. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  char *p = malloc(100);
  memset(p, 1, 100);
  pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) {
    char *big = malloc(400 * 1024);
    memset(big, 2, 400 * 1024);
    free(big);
    char *q = malloc(200);
    free(q);
    printf("child %d\n", (int)getpid());
    return 0;
  }
  int st;
  if (waitpid(child, &st, 0) != child || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return 1;
  char *big = malloc(600 * 1024);
  memset(big, 3, 600 * 1024);
  free(big);
  free(p);
  printf("parent %d\n", (int)getpid());
  return 0;
}

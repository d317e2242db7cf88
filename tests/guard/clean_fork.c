// expect-clean
// sampled: 0
/* fork: parent and child both allocate and free; the child frees a block of the
   parent's. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void churn(int seed) {
  char *blocks[100];
  for (int i = 0; i < 100; i++) blocks[i] = memset(malloc(16 + (i * seed) % 2000), i, 16);
  for (int i = 0; i < 100; i++) free(blocks[i]);
}

int main(void) {
  char *before = malloc(100);
  memset(before, 1, 100);
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    churn(7);
    free(before);
    exit(0);
  }
  churn(13);
  int status;
  if (waitpid(pid, &status, 0) != pid) return 1;
  free(before);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

/* Check mode's exit work under a tiny main stack (small_stack.sh): nine blocks lost,
 * then "main" written at once (write(2): a death after it is the exit work's), then
 * exit(0), or _exit(0) with argument "_exit" (init.c's path to the same work). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *volatile keep;

int main(int argc, char **argv) {
  for (int i = 0; i < 10; i++) {
    keep = malloc(24 + (size_t)i);
    memset(keep, 1, 24);
  }
  free(keep);
  keep = NULL;
  if (write(1, "main\n", 5) != 5) return 1;
  if (argc > 1 && strcmp(argv[1], "_exit") == 0) _exit(0);
  return 0;
}

/* children/child.c — run by children/parent.c: leaks 56 bytes from child_leak, or with
 * "double-free" frees a block twice; exits 3, so that its status tells it ran. */
#include <stdlib.h>
#include <string.h>

static void *volatile sink;

__attribute__((noinline)) static void child_leak(void) {
  sink = malloc(56);
  sink = NULL;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "double-free") == 0) {
    char *p = malloc(10);
    free(p);
    free(p);
    return 3;
  }
  child_leak();
  return 3;
}

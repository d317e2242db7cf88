/* leaky.c — for tests/programs/valgrind_options.sh: "clean" frees everything; "bugs"
 * overflows a block by one byte (found at its free), loses 10 bytes and keeps 30
 * reachable from a global. */
#include <stdlib.h>
#include <string.h>

static char *kept;

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "bugs") == 0) {
    char *lost = malloc(10);
    lost[0] = 1;
    lost = NULL;
    kept = malloc(30);
    char *p = malloc(5);
    p[5] = 1;
    free(p);
  } else {
    free(malloc(100));
  }
  return 0;
}

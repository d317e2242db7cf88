/* tests/programs/xml.sh, beside Valgrind: 4 blocks of 100 bytes lost, then the stack
 * below main overwritten, so that no stale copy of a pointer to them is left for
 * Valgrind's scan (or heapguard's) to find: both report 400 bytes in 4 blocks. */
#include <stdlib.h>
#include <string.h>

static __attribute__((noinline)) void lose(void) {
  for (int i = 0; i < 4; i++) {
    char *volatile p = malloc(100);
    p[0] = 1;
  }
}

static __attribute__((noinline)) void scrub(void) {
  volatile char stack[4096];
  memset((char *)stack, 0, sizeof stack);
}

int main(void) {
  lose();
  scrub();
  return 0;
}

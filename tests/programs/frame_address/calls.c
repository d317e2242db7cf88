/* frame_address.sh's program: errors whose stacks have calls followed at once by
   another line's code (built -O0, no PIE): a frame's return address is that next
   line's, the call's address (the return address less 1) is the call's line. */
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static void drop(char *p) {
  free(p);
  free(p); /* BUG: double free */
}

__attribute__((noinline)) static char *make(size_t n) {
  char *p = malloc(n);
  memset(p, 0, n);
  return p;
}

int main(void) {
  char *a = make(16);
  drop(a);
  char *b = make(24);
  b[24] = 1; /* BUG: overflow, found at the free */
  free(b);
  make(40); /* BUG: leaked */
  return 0;
}

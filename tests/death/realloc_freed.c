// expect-signal: SIGABRT
// expect-stderr: heapguard: (invalid realloc|realloc of freed block|double free) of 0x[0-9a-f]+
/* realloc() of a block that was already freed. */
#include "check.h"

#pragma GCC diagnostic ignored "-Wuse-after-free"

int main(void) {
  void *p = malloc(32);
  if (!p) return 1;
  free(p);
  void *q = realloc(hg_opaque(p), 64);
  fprintf(stderr, "survived realloc of a freed block (got %p)\n", q);
  return 1;
}

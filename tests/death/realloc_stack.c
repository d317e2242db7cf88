// expect-signal: SIGABRT
// expect-stderr: heapguard: invalid realloc of 0x[0-9a-f]+ \(not allocated by heapguard\)
/* realloc() of a stack address. */
#include "check.h"

#pragma GCC diagnostic ignored "-Wfree-nonheap-object"

int main(void) {
  char buf[64];
  memset(buf, 1, sizeof buf);
  free(malloc(16));
  void *q = realloc(hg_opaque(buf), 128);
  fprintf(stderr, "survived realloc of a stack address (got %p)\n", q);
  return 1;
}

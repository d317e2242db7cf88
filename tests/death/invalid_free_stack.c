// expect-signal: SIGABRT
// expect-stderr: heapguard: invalid free of 0x[0-9a-f]+ \(not allocated by heapguard\)
/* free() of a stack variable. */
#include "check.h"

#pragma GCC diagnostic ignored "-Wfree-nonheap-object"

int main(void) {
  char buf[64];
  memset(buf, 1, sizeof buf);
  free(malloc(16)); /* the allocator is initialised */
  free(hg_opaque(buf));
  fprintf(stderr, "survived free of a stack address\n");
  return 1;
}

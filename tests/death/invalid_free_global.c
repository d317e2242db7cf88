// expect-signal: SIGABRT
// expect-stderr: heapguard: invalid free of 0x[0-9a-f]+ \(not allocated by heapguard\)
/* free() of a global array (aligned like a heap block, to look plausible). */
#include "check.h"

#pragma GCC diagnostic ignored "-Wfree-nonheap-object"

static _Alignas(64) char global[4096];

int main(void) {
  free(malloc(16));
  global[0] = 1;
  free(hg_opaque(global + 64));
  fprintf(stderr, "survived free of a global array\n");
  return 1;
}

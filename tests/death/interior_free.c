// expect-signal: SIGABRT
// expect-stderr: heapguard: invalid free of 0x[0-9a-f]+ \(8 bytes into a 64-byte block at 0x[0-9a-f]+\)
/* free() of a pointer 8 bytes into a malloc(64) block. */
#include "check.h"

#pragma GCC diagnostic ignored "-Wfree-nonheap-object"

int main(void) {
  char *p = malloc(64);
  if (!p) return 1;
  memset(p, 0, 64);
  free(hg_opaque(p + 8));
  fprintf(stderr, "survived free of an interior pointer\n");
  return 1;
}

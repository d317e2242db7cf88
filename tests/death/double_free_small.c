// expect-signal: SIGABRT
// expect-stderr: heapguard: double free of 0x[0-9a-f]+ \(32-byte block\)
/* free() twice on a malloc(32) block. */
#include "check.h"

#pragma GCC diagnostic ignored "-Wuse-after-free"

int main(void) {
  void *p = malloc(32);
  if (!p) return 1;
  free(p);
  free(hg_opaque(p));
  fprintf(stderr, "survived a double free\n");
  return 1;
}

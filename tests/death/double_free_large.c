// expect-signal: SIGABRT
// expect-stderr: heapguard: double free of 0x[0-9a-f]+
/* free() twice on a malloc(1 MiB) block. */
#include "check.h"

#pragma GCC diagnostic ignored "-Wuse-after-free"

int main(void) {
  void *p = malloc(1 << 20);
  if (!p) return 1;
  memset(p, 1, 1 << 20);
  free(p);
  free(hg_opaque(p));
  fprintf(stderr, "survived a double free\n");
  return 1;
}

// expect-signal: SIGABRT
// expect-stderr: heapguard: double free of 0x[0-9a-f]+
/* free() twice on a malloc(40000) block. */
#include "check.h"

#pragma GCC diagnostic ignored "-Wuse-after-free"

int main(void) {
  void *p = malloc(40000);
  if (!p) return 1;
  memset(p, 1, 40000);
  free(p);
  free(hg_opaque(p));
  fprintf(stderr, "survived a double free\n");
  return 1;
}

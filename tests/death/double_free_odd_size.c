// expect-signal: SIGABRT
// expect-stderr: heapguard: double free of 0x[0-9a-f]+ \([0-9]+-byte block\)
/* free() twice on a malloc(100) block, with other blocks of its class live around it
   and freed in between, so the freed slot is not simply the most recent one. */
#include "check.h"

#pragma GCC diagnostic ignored "-Wuse-after-free"

int main(void) {
  void *a = malloc(100), *p = malloc(100), *b = malloc(100);
  if (!a || !p || !b) return 1;
  free(p);
  free(a);
  void *c = malloc(20);
  free(hg_opaque(p));
  fprintf(stderr, "survived a double free\n");
  free(b);
  free(c);
  return 1;
}

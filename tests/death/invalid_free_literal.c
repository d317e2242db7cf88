// expect-signal: SIGABRT
// expect-stderr: heapguard: invalid free of 0x[0-9a-f]+ \(not allocated by heapguard\)
/* free() of a string literal (read-only data). */
#include "check.h"

#pragma GCC diagnostic ignored "-Wfree-nonheap-object"

int main(void) {
  free(malloc(16));
  const char *s = "a string literal is not a heap block";
  free(hg_opaque((void *)s));
  fprintf(stderr, "survived free of a string literal\n");
  return 1;
}

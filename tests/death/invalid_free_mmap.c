// expect-signal: SIGABRT
// expect-stderr: heapguard: invalid free of 0x[0-9a-f]+ \(not allocated by heapguard\)
/* free() of memory from the program's own private mmap (page aligned, like a large
   block would be, and 16 bytes in, like a small one). */
#include "check.h"

#include <sys/mman.h>

int main(void) {
  free(malloc(16));
  free(malloc(1 << 20));
  char *m = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return 1;
  memset(m, 0, 1 << 16);
  free(hg_opaque(m + 16));
  fprintf(stderr, "survived free of a private mapping\n");
  return 1;
}

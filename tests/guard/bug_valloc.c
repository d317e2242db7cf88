// expect-error: heap-buffer-overflow
// expect-text: WRITE past the end of a 8192-byte block
// expect-text: at valloc \(heapguard\)
// expect-text: main \(bug_valloc\.c:13\)
/* valloc: page-aligned, and with a size of whole pages it ends at the guard page. */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>

int main(void) {
  char *p = valloc(8192);
  if ((uintptr_t)p % 4096) return 3;
  ((volatile char *)p)[8192] = 1;                 /* BUG */
  return 0;
}

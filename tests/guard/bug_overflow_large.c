// expect-error: heap-buffer-overflow
// expect-text: READ past the end of a 262144-byte block
// expect-text: is 0 bytes after a block of size 262144 alloc'd
// expect-text: main \(bug_overflow_large\.c:15\)
/* A large block (256 KiB: its own mapping in the default allocator) read one byte too
   far. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  size_t n = 256 * 1024;
  char *p = malloc(n);
  memset(p, 7, n);
  volatile char c = p[n];                 /* BUG */
  printf("never printed %d\n", c);
  return 0;
}

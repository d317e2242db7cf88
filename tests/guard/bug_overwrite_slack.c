// expect-error: heap-buffer-overflow
// expect-text: ERROR: heap-buffer-overflow: write past the end of a 24-byte block
// expect-text: at free \(heapguard\)
// expect-text: main \(bug_overwrite_slack\.c:2[0-9]\)
// expect-text: is 0 bytes after a block of size 24 alloc'd
// expect-text: at malloc \(heapguard\)
// expect-status: 99
// sampled: 134
/* With the default alignment, 16 (glibc's), a 24-byte block ends 8 bytes before its
   guard page.  An off-by-one read there is not seen (a read changes nothing); an
   off-by-one write is, when the block is freed: the slack holds the redzone pattern and
   free verifies it, as check mode does.  (Guard mode's old default, 8, put the block
   flush against the guard page and the write faulted at once: this test failed.)
   Sampled mode dies by SIGABRT after the report (134); guard mode by exit code 99. */
#include <stdlib.h>

int main(void) {
  char *p = malloc(24);
  volatile char c = p[25];            /* read in the slack: nothing to see */
  p[24] = 'x';                        /* BUG, in the slack: no fault */
  free(p);
  return c == 0x7f;
}

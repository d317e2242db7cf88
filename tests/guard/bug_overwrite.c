// env: HEAPGUARD_GUARD_ALIGN=8 HEAPGUARD_SAMPLE_ALIGN=8
// expect-error: heap-buffer-overflow
// expect-text: ERROR: heap-buffer-overflow: WRITE past the end of a 24-byte block
// expect-text: is 0 bytes after a block of size 24 alloc'd
// expect-text: (copy|main) \(bug_overwrite\.c:16\)
// expect-text: at (malloc|calloc) \(heapguard\)
// sampled: 99
/* An off-by-one write: a string of 24 characters and its terminator into 24 bytes.
   Both modes align to 16 by default (the 24-byte block would end 8 bytes before the
   guard page and the write be found at free: bug_overwrite_slack.c); with the opt-in 8
   it ends at the guard page and the write faults at once. */
#include <stdlib.h>

static void copy(char *dst, const char *src) {
  for (;;) {
    *dst++ = *src;                 /* BUG */
    if (!*src++) return;
  }
}

int main(void) {
  char *p = calloc(24, 1);
  copy(p, "abcdefghijklmnopqrstuvwx");
  free(p);
  return 0;
}

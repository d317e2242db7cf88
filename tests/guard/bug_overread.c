// env: HEAPGUARD_GUARD_ALIGN=1 HEAPGUARD_SAMPLE_ALIGN=1
// expect-error: heap-buffer-overflow
// expect-text: ERROR: heap-buffer-overflow: READ past the end of a 100-byte block
// expect-text: Address 0x[0-9a-f]+ is 0 bytes after a block of size 100 alloc'd
// expect-text: at 0x[0-9a-f]+: main \(bug_overread\.c:18\)
// expect-text: by 0x[0-9a-f]+: main \(bug_overread\.c:16\)
// expect-text: ERROR SUMMARY: 1 errors from 1 contexts
// sampled: 99
/* A one-byte overread of malloc(100): with HEAPGUARD_GUARD_ALIGN=1 the block is aligned
   to its size's largest power-of-two divisor, 4, and ends flush against the guard page,
   so the read faults at once.  (With the default, 8, it would end 4 bytes before it.) */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  char *p = malloc(100);
  for (int i = 0; i < 100; i++) p[i] = (char)i;
  volatile char c = p[100];                 /* BUG */
  printf("never printed %d\n", c);
  free(p);
  return 0;
}

// env: HEAPGUARD_GUARD_ALIGN=1 HEAPGUARD_SAMPLE_ALIGN=1
// expect-error: heap-buffer-overflow
// expect-text: ERROR: heap-buffer-overflow: READ past the end of a 96-byte block
// expect-text: Address 0x[0-9a-f]+ is 0 bytes after a block of size 96 alloc'd
// expect-text: at 0x[0-9a-f]+: main \(bug_overread_run\.c:24\)
// expect-text: by 0x[0-9a-f]+: main \(bug_overread_run\.c:22\)
// expect-text: ERROR SUMMARY: 1 errors from 1 contexts
// sampled: 99
/* Sampled guard mode makes its slots read-write in runs, one mprotect for up to 16
   neighbouring slots, the guard pages between them included: their guard markers
   (MADV_GUARD_INSTALL) keep them inaccessible, though /proc/self/maps shows them rw-p
   (the pool is read-write from the start when the kernel has guard markers).  After
   enough samples that slots have come back out of the quarantine (1500, marker_pick.h:
   the pool has 512 slots and the quarantine at most 256), an overread past the end of a
   block whose guard page is such a page (any block in full guard mode, or without
   guard markers) faults at once. */
#include "marker_pick.h"

int main(void) {
  warm_up(96);
  char *q[N];
  for (int i = 0; i < N; i++) q[i] = memset(malloc(96), i, 96);
  int pick = pick_marker_block(q, N, 96);
  volatile char c = q[pick][96];                 /* BUG */
  printf("never printed %d\n", c);
  return 0;
}

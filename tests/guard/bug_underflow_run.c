// env: HEAPGUARD_GUARD_SIDE=before
// expect-error: heap-buffer-underflow
// expect-text: ERROR: heap-buffer-underflow: READ before the start of a 96-byte block
// expect-text: Address 0x[0-9a-f]+ is 1 bytes before a block of size 96 alloc'd
// expect-text: at 0x[0-9a-f]+: main \(bug_underflow_run\.c:20\)
// expect-text: by 0x[0-9a-f]+: main \(bug_underflow_run\.c:18\)
// expect-text: ERROR SUMMARY: 1 errors from 1 contexts
// sampled: 99
/* bug_overread_run with the guard page before each block: after slots have come back
   out of the quarantine and been opened in runs, a read of the byte before a block
   whose guard page is rw-p in /proc/self/maps (kept inaccessible by its guard
   marker) faults at once. */
#include "marker_pick.h"

int main(void) {
  warm_up(96);
  char *q[N];
  for (int i = 0; i < N; i++) q[i] = memset(malloc(96), i, 96);
  int pick = pick_marker_block(q, N, -1);
  volatile char c = q[pick][-1];                 /* BUG */
  printf("never printed %d\n", c);
  return 0;
}

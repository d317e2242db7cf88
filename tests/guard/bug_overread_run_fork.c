// env: HEAPGUARD_GUARD_ALIGN=1
// expect-error: heap-buffer-overflow
// expect-text: ERROR: heap-buffer-overflow: READ past the end of a 96-byte block
// expect-text: Address 0x[0-9a-f]+ is 0 bytes after a block of size 96 alloc'd
// expect-text: at 0x[0-9a-f]+: main \(bug_overread_run_fork\.c:24\)
// expect-text: by 0x[0-9a-f]+: main \(bug_overread_run_fork\.c:19\)
// expect-text: ERROR SUMMARY: 1 errors from 1 contexts
// sampled: 99
/* bug_overread_run in a child: guard markers are kept across fork, so the child's
   overread past a block whose guard page is rw-p in /proc/self/maps (its guard marker
   keeps it inaccessible) faults at once too; the child reports, and the parent exits
   with its status. */
#include <sys/wait.h>
#include "marker_pick.h"

int main(void) {
  warm_up(96);
  char *q[N];
  for (int i = 0; i < N; i++) q[i] = memset(malloc(96), i, 96);
  int pick = pick_marker_block(q, N, 96);
  pid_t pid = fork();
  if (pid < 0) return 2;
  if (pid == 0) {
    volatile char c = q[pick][96];               /* BUG */
    printf("never printed %d\n", c);
    exit(0);
  }
  int status;
  if (waitpid(pid, &status, 0) != pid) return 2;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

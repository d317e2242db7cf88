// expect-error: fatal-signal
// expect-error: memory-leak
// expect-text: ERROR: fatal-signal: SIGSEGV \(signal 11\): WRITE at address 0x10: address not mapped \(SEGV_MAPERR\)
// expect-text: main \(bug_crash_null\.c:24\)
// expect-text: definitely lost: 40 bytes in 1 blocks
// expect-status: 139
/* Guard mode's crash report: a write through a null pointer (not a guard page: the
   program's fault) is reported with main's line, then the leak check. */
#include <stdlib.h>

struct node { struct node *next; long pad; int v; };
static struct node *volatile list;       /* n stays reachable, also at -O2 */

static __attribute__((noinline)) void lose(void) {
  int *p = malloc(40);
  p[0] = 1;
}

int main(void) {
  struct node *n = list = malloc(sizeof *n);
  n->next = NULL;
  lose();
  volatile struct node *volatile next = n->next;
  next->v = 1;                           /* BUG: SIGSEGV at address 0x10 */
  return 0;
}

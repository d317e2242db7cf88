// expect-error: fatal-signal
// expect-text: ERROR: fatal-signal: SIGSEGV \(signal 11\): general-protection fault
// expect-text: main \(bug_crash_poison\.c:20\)
// expect-text: Register [a-z0-9]+ holds 0xfdfdfdfdfdfd[0-9a-f]{4}, the bytes check mode writes over a freed block
// expect-status: 139
/* A pointer read from a freed block (check mode does not see reads of small freed
   blocks) holds the freed bytes' pattern, 0xfdfd...: not a canonical address, so the
   dereference is a general-protection fault whose address the kernel does not give.
   The crash report names the register holding the pattern and what it means. */
#include <stdio.h>
#include <stdlib.h>

struct node { struct node *next; int v; };

int main(void) {
  struct node *a = malloc(sizeof *a);
  a->next = NULL;
  free(a);
  struct node *volatile stale = a;
  printf("%d\n", stale->next->v);        /* BUG: next is 0xfdfdfdfdfdfdfdfd */
  return 0;
}

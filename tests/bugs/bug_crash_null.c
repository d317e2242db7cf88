// expect-error: fatal-signal
// expect-error: memory-leak
// expect-text: ERROR: fatal-signal: SIGSEGV \(signal 11\): READ at address 0x8: address not mapped \(SEGV_MAPERR\)
// expect-text: main \(bug_crash_null\.c:27\)
// expect-text: Address 0x8 is not mapped: a null pointer dereferenced \(at offset 8\)
// expect-text: Process terminating with the default action of signal 11 \(SIGSEGV\)
// expect-text: definitely lost: 40 bytes in 1 blocks
// expect-text: ERROR SUMMARY: 2 errors from 2 contexts
// expect-status: 139
/* A program that dies by SIGSEGV (a null pointer's field read) gets a crash report, as
   under Valgrind: the signal, the address and what the kernel says of it, main's
   file:line, then the leak check and the summary; it still dies by the signal (the
   shell's 128 + 11), whatever the error exit code. */
#include <stdio.h>
#include <stdlib.h>

struct node { struct node *next; int v; };
static struct node *volatile list;       /* n stays reachable, also at -O2 */

static __attribute__((noinline)) void lose(void) { int *p = malloc(40); p[0] = 1; }

int main(void) {
  struct node *n = list = malloc(sizeof *n);
  n->next = NULL;
  lose();
  struct node *volatile next = n->next;
  printf("%d\n", next->v);               /* BUG: SIGSEGV at address 0x8 */
  return 0;
}

// expect-error: memory-leak
// expect-text: 400 bytes in 4 blocks are definitely lost in loss record 1 of 2
// expect-text: 400 bytes in 4 blocks are definitely lost in loss record 2 of 2
// expect-text: by 0x[0-9a-f]+: caller_a \(bug_leak_two_callers\.c:25\)
// expect-text: by 0x[0-9a-f]+: caller_b \(bug_leak_two_callers\.c:31\)
// expect-text: definitely lost: 800 bytes in 8 blocks
/* Two leaks by the same function, called at the same depth by two callers: the
   allocations' stacks share the entry point's frame address and the first return
   addresses, and differ only further up.  Stacks are remembered per thread by frame
   address (stack.c's memo of recent walks): the second must still be told from the
   first, each leak reported with its own caller.  (Four times each: a capture that
   met a return address for the first time asked libunwind, and is not remembered.) */
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) void leak(int fill) {
  char *p = malloc(100);
  memset(p, fill, 100);
  p = NULL;                 /* BUG: lost */
  __asm__ volatile("" : : "r"(p) : "memory");
}

__attribute__((noinline)) int caller_a(int x) {
  volatile int pad[4] = { x };
  leak(x);
  return pad[0] + 1;        /* (after the call: not a tail call) */
}

__attribute__((noinline)) int caller_b(int x) {
  volatile int pad[4] = { x };
  leak(x);
  return pad[0] + 2;
}

int main(void) {
  int r = 0;
  for (int i = 0; i < 4; i++) {
    r += caller_a(1);
    r += caller_b(2);
  }
  return r == 24 ? 0 : 1;
}

// expect-error: memory-leak
// expect-text: definitely lost: 16 bytes in 1 blocks
// expect-text: 4,?096 bytes in 1 blocks are indirectly lost
// expect-text: indirectly lost: 4,?096 bytes in 1 blocks
// expect-text: bug_leak_dead_stack\.c:27\)
/* bug_leak_indirect's leak, with the data's address also left in 64 KiB of dead stack
   below main: copies the program no longer holds, which must not make the data
   reachable.  The exit-time work runs in that dead stack, so a copy of it that the
   scan reads elsewhere shows up here every run: stop.c once kept its struct
   sigaction from sigaction() whole in its static memory (a root), while libc fills in
   only the first 8 of its sa_mask's 128 bytes: 120 bytes of whatever the stack held
   there (bugs/bug_leak_indirect failed in 1 run of 4, by a copy the lazy binding of
   memset left). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct buffer { char *data; size_t size; };

__attribute__((noinline)) void spray(char *p) {
  volatile uintptr_t dead[8192];   /* 64 KiB, left behind on return */
  for (size_t i = 0; i < sizeof dead / sizeof dead[0]; i++) dead[i] = (uintptr_t)p;
}

__attribute__((noinline)) struct buffer *buffer_new(size_t size) {
  struct buffer *b = malloc(sizeof *b);
  b->data = malloc(size);
  b->size = size;
  memset(b->data, 0, size);
  spray(b->data);
  return b;
}

int main(void) {
  struct buffer *b = buffer_new(4096);
  b = NULL;                              /* BUG: neither b nor b->data is freed */
  return b != NULL;
}

#include <stdlib.h>
#include <stdint.h>
/* The same code in both libraries but for the frame's size (PAD): the return address
 * of the malloc call lies at the same offset in each, the caller's frame does not. */
__attribute__((noinline)) void *grab(size_t n) {
  volatile char buf[PAD];
  buf[0] = 1;
  buf[PAD - 1] = 2;
  void *p = malloc(n);
  buf[1] = (char)(uintptr_t)p;
  return p;
}

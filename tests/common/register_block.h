/* A block whose address the program holds in a register alone, for the tests of the
   leak scan's roots in other threads' registers (tests/programs: check_fork/forkthr.c,
   exit/regs.c; built at -O2).  Included as "../../common/register_block.h". */
#ifndef HEAPGUARD_TESTS_REGISTER_BLOCK_H
#define HEAPGUARD_TESTS_REGISTER_BLOCK_H

#include <stdint.h>
#include <stdlib.h>

#define KEY ((uintptr_t)0x5a5a5a5a5a5a5a5aull)

/* Overwrites 64 KiB of the stack below the caller: the allocator's stale copies. */
__attribute__((noinline)) static void wipe_below(void) {
  volatile char pad[64 * 1024];
  for (size_t i = 0; i < sizeof pad; i++) pad[i] = 0;
}

__attribute__((noinline)) static uintptr_t hidden_alloc(size_t n) {
  return (uintptr_t)malloc(n) ^ KEY;
}

/* malloc(n), its address passed through memory only XORed with KEY and the stack below
   wiped: on return the address is in the caller's register alone (inlined, so no
   frame of this function keeps it). */
__attribute__((always_inline)) static inline char *register_block(size_t n) {
  volatile uintptr_t hidden = hidden_alloc(n);
  wipe_below();
  char *p = (char *)(hidden ^ KEY);
  hidden = 0;
  return p;
}

#endif

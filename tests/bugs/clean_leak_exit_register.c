// expect-clean
/* Clean: at exit() the program's only pointer into a block is in a callee-saved register
 * of exit()'s caller.  That block is not lost (Valgrind: "possibly lost", an interior
 * pointer; "still reachable" for a pointer to its start): the leak scan must count the
 * caller's registers, which exit() and its callees saved below the stack pointer from
 * which the scan reads the stack.  mawk exits so (a 232-byte block it keeps through an
 * interior pointer in r12 was reported "definitely lost").  The malloc and the exit are
 * in one asm statement so that no stack slot holds the pointer, at -O0 either. */
#include <stdlib.h>

int main(void) {
#if defined(__x86_64__)
  __asm__ volatile("and $-16, %%rsp\n\t"
                   "mov $232, %%edi\n\t"
                   "call malloc@PLT\n\t"
                   "lea 8(%%rax), %%r12\n\t"   /* an interior pointer, only in r12 */
                   "xor %%eax, %%eax\n\t"
                   "xor %%edi, %%edi\n\t"
                   "call exit@PLT"
                   : : : "rax", "rdi", "r12", "memory");
#endif
  return 0;
}

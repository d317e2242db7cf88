/* leak_across(fn, a, b, c) for the tests of check mode's wipe (tests/bugs: bug_leak_register*.c;
   x86-64 only): p = malloc(40), held in every callee-saved register and nowhere else
   while fn(a, b, c) runs; returns fn's result, p forgotten.  Included as
   "../common/leak_across.h". */
#ifndef HEAPGUARD_TESTS_LEAK_ACROSS_H
#define HEAPGUARD_TESTS_LEAK_ACROSS_H

#include <stdint.h>

uintptr_t leak_across(void *fn, uintptr_t a, uintptr_t b, uintptr_t c);
__asm__(".text\n"
        ".globl leak_across\n"
        ".type leak_across, @function\n"
        "leak_across:\n"
        ".cfi_startproc\n"
        "  push %rbx\n  .cfi_adjust_cfa_offset 8\n  .cfi_rel_offset %rbx, 0\n"
        "  push %rbp\n  .cfi_adjust_cfa_offset 8\n  .cfi_rel_offset %rbp, 0\n"
        "  push %r12\n  .cfi_adjust_cfa_offset 8\n  .cfi_rel_offset %r12, 0\n"
        "  push %r13\n  .cfi_adjust_cfa_offset 8\n  .cfi_rel_offset %r13, 0\n"
        "  push %r14\n  .cfi_adjust_cfa_offset 8\n  .cfi_rel_offset %r14, 0\n"
        "  push %r15\n  .cfi_adjust_cfa_offset 8\n  .cfi_rel_offset %r15, 0\n"
        "  sub $40, %rsp\n  .cfi_adjust_cfa_offset 40\n"
        "  mov %rdi, 0(%rsp)\n  mov %rsi, 8(%rsp)\n  mov %rdx, 16(%rsp)\n  mov %rcx, 24(%rsp)\n"
        "  mov $40, %edi\n"
        "  call malloc@PLT\n"
        "  mov %rax, %rbx\n  mov %rax, %rbp\n  mov %rax, %r12\n  mov %rax, %r13\n  mov %rax, %r14\n  mov %rax, %r15\n"
        "  xor %eax, %eax\n"
        "  mov 8(%rsp), %rdi\n  mov 16(%rsp), %rsi\n  mov 24(%rsp), %rdx\n"
        "  call *0(%rsp)\n"
        "  add $40, %rsp\n  .cfi_adjust_cfa_offset -40\n"
        "  pop %r15\n  .cfi_adjust_cfa_offset -8\n"
        "  pop %r14\n  .cfi_adjust_cfa_offset -8\n"
        "  pop %r13\n  .cfi_adjust_cfa_offset -8\n"
        "  pop %r12\n  .cfi_adjust_cfa_offset -8\n"
        "  pop %rbp\n  .cfi_adjust_cfa_offset -8\n"
        "  pop %rbx\n  .cfi_adjust_cfa_offset -8\n"
        "  ret\n"
        ".cfi_endproc\n"
        ".size leak_across, .-leak_across\n");

#endif

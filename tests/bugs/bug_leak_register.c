// expect-error: memory-leak
// expect-text: definitely lost: 800 bytes in 20 blocks
// expect-text: bug_leak_register\.c:100\)
// expect-text: bug_leak_register\.c:101\)
// expect-text: bug_leak_register\.c:102\)
// expect-text: bug_leak_register\.c:103\)
// expect-text: bug_leak_register\.c:104\)
// expect-text: bug_leak_register\.c:105\)
// expect-text: bug_leak_register\.c:106\)
// expect-text: bug_leak_register\.c:107\)
// expect-text: bug_leak_register\.c:108\)
// expect-text: bug_leak_register\.c:109\)
// expect-text: bug_leak_register\.c:110\)
// expect-text: bug_leak_register\.c:111\)
// expect-text: bug_leak_register\.c:112\)
// expect-text: bug_leak_register\.c:113\)
// expect-text: bug_leak_register\.c:114\)
// expect-text: bug_leak_register\.c:115\)
// expect-text: bug_leak_register\.c:116\)
// expect-text: bug_leak_register\.c:117\)
// expect-text: bug_leak_register\.c:118\)
// expect-text: bug_leak_register\.c:119\)
/* A leaked block whose address the program held only in callee-saved registers
   (rbx, rbp, r12-r15: what gcc -O2 keeps a pointer in across a call) while it
   called an allocation function: the allocator's own frames saved those registers
   on the program's stack, check mode's wipe did not reach them (it wiped below its
   entry point's frame), and at exit, inside a live frame of the program's (deep's
   buffer, never written), the copy made the block "still reachable" where Valgrind
   says "definitely lost" (/tmp/lead/s23/where2.c, every function it tried).  One
   case per allocation function (each line below is one loss record), each at its
   own depth so that no case's residue is overwritten by another's. */
#include <dlfcn.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#if !defined(__x86_64__)
int main(void) { return 77; }
#else
/* leak_across(fn, a, b, c): p = malloc(40), held in every callee-saved register and
   nowhere else while fn(a, b, c) runs; returns fn's result, p forgotten. */
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

#define F(f) ((void *)(uintptr_t)&(f))
#define A(x) ((uintptr_t)(x))

/* The blocks the calls return, held to the end (not static: the stores must stay). */
void *leak_register_results[32];
int leak_register_n;
#define results leak_register_results
#define nresults leak_register_n

/* Case k runs 2 KiB below case k - 1, all of them below the 12 KiB that a later call
   may wipe (stack.c's scrub_deep, when a new stack needs libunwind). */
__attribute__((noinline)) static uintptr_t at_depth(int k, void *fn, uintptr_t a, uintptr_t b, uintptr_t c) {
  volatile char *pad = __builtin_alloca(16384 + 2048 * (size_t)k);
  __asm__ volatile("" : : "r"(pad) : "memory");
  return leak_across(fn, a, b, c);
}

static void *sym(const char *name) { return dlsym(RTLD_DEFAULT, name); }

__attribute__((noinline)) static void cases(void) {
  void *q1 = malloc(8), *q2 = malloc(8), *q3 = malloc(8), *q4 = malloc(8);
  /* (Looked up first: dlsym's deep stack would overwrite the earlier cases' copies.) */
  void *nw = sym("_Znwm"), *na = sym("_Znam"), *nwa = sym("_ZnwmSt11align_val_t"), *dl = sym("_ZdlPv"),
       *das = sym("_ZdaPvm");
  void *r = NULL, *n1 = ((void *(*)(size_t))nw)(8), *n2 = ((void *(*)(size_t))na)(8);
  int k = 0;
  results[nresults++] = (void *)at_depth(k++, F(malloc), 8, 0, 0);
  results[nresults++] = (void *)at_depth(k++, F(malloc), 40000, 0, 0);
  results[nresults++] = (void *)at_depth(k++, F(calloc), 1, 8, 0);
  results[nresults++] = (void *)at_depth(k++, F(realloc), 0, 8, 0);
  results[nresults++] = (void *)at_depth(k++, F(realloc), A(q1), 200, 0);
  at_depth(k++, F(realloc), A(q2), 0, 0);
  results[nresults++] = (void *)at_depth(k++, F(reallocarray), 0, 2, 8);
  at_depth(k++, F(posix_memalign), A(&r), 64, 8);
  results[nresults++] = (void *)at_depth(k++, F(memalign), 64, 8, 0);
  results[nresults++] = (void *)at_depth(k++, F(aligned_alloc), 64, 64, 0);
  results[nresults++] = (void *)at_depth(k++, F(valloc), 8, 0, 0);
  results[nresults++] = (void *)at_depth(k++, F(pvalloc), 8, 0, 0);
  at_depth(k++, F(malloc_usable_size), A(q3), 0, 0);
  at_depth(k++, F(free), A(q4), 0, 0);
  results[nresults++] = (void *)at_depth(k++, nw, 8, 0, 0);
  results[nresults++] = (void *)at_depth(k++, na, 8, 0, 0);
  results[nresults++] = (void *)at_depth(k++, nwa, 8, 64, 0);
  at_depth(k++, dl, A(n1), 0, 0);
  at_depth(k++, das, A(n2), 8, 0);
  at_depth(k++, dl, 0, 0, 0);   /* delete of NULL */
  free(q3);
  results[nresults++] = r;
}

/* Exits from inside a frame that covers every case's stack, unwritten: a copy left
   there is in live memory, read by the scan. */
__attribute__((noinline)) static void deep(void) {
  volatile char buf[80 * 1024];
  __asm__ volatile("" : : "r"(buf) : "memory");
  exit(0);
}

int main(void) {
  cases();
  deep();
}
#endif

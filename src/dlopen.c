/* dlopen.c — dlopen without RTLD_DEEPBIND.
 *
 * A library dlopen'ed with RTLD_DEEPBIND looks its symbols up in its own dependencies
 * first, libc among them, before the global scope where the preloaded library's malloc
 * and free are: its malloc and free are glibc's.  A block made on one side and freed on
 * the other then goes to the wrong allocator: glibc's free of a heapguard block crashes
 * in _int_free, heapguard's free of a glibc block is an invalid free, and check mode
 * sees none of the library's own blocks.  Debian's php-cli loads every extension so
 * (Zend's DL_LOAD: RTLD_GLOBAL | RTLD_DEEPBIND unless built with a sanitizer) and died
 * by SIGSEGV at start in every mode (docs/real-programs.md, round 6).  So the program's
 * dlopen is this one, which clears the flag and goes on to libc's: the library's malloc
 * family binds to the global scope, heapguard's, as in a library loaded without it.
 * The price: a library that counted on RTLD_DEEPBIND to prefer its own dependencies'
 * copies of another symbol the program also defines gets the program's copy, as
 * AddressSanitizer's and Valgrind's users get (the sanitizers refuse the flag; PHP
 * leaves it out in their builds for this reason).
 *
 * glibc's dlopen takes its caller from its return address: the calling object's
 * RUNPATH (and RPATH, $ORIGIN) is searched for a bare name, and the caller's link-map
 * namespace is used.  A C wrapper calling it would make libheapguard.so the caller, and
 * a program's plugin found only through the program's RUNPATH would no longer be found.
 * So the wrapper is a tail jump, written in assembly (no C compiler promises a tail
 * call at every optimisation level): libc's dlopen returns straight to the program.
 * The first call looks libc's up (dlsym RTLD_NEXT: no import more, and no lookup in a
 * process that never calls dlopen).  libheapguard.a leaves this file out (Makefile):
 * in a program linked with -static there is no libc's to go on to. */
#define _GNU_SOURCE   /* RTLD_NEXT, RTLD_DEEPBIND */
#include <dlfcn.h>

#include "internal.h"

/* libc's dlopen, once looked up (a race looks it up twice, and stores the same). */
HG_HIDDEN void *hg_real_dlopen;

HG_HIDDEN __attribute__((used)) void *hg_dlopen_lookup(void);
HG_HIDDEN __attribute__((used)) void *hg_dlopen_lookup(void) {
  void *f = dlsym(RTLD_NEXT, "dlopen");
  if (f) __atomic_store_n(&hg_real_dlopen, f, __ATOMIC_RELEASE);
  return f;
}

#define HG_STR2(x) #x
#define HG_STR(x) HG_STR2(x)
_Static_assert(RTLD_DEEPBIND == 0x8, "the stubs clear bit 3 of the mode");

/* dlopen(file, mode): mode &= ~RTLD_DEEPBIND, then a jump to libc's, looked up first
 * (file and mode saved around the lookup; NULL if there is none: a static program
 * with no dynamic dlopen to call).  The unwind info covers the lookup's call, whose
 * dlsym may allocate and have its stack captured. */
#if defined(__x86_64__)
__asm__(".pushsection .text.dlopen, \"ax\", @progbits\n"
        ".globl dlopen\n"
        ".type dlopen, @function\n"
        "dlopen:\n"
        "  .cfi_startproc\n"
        "  andl $~" HG_STR(RTLD_DEEPBIND) ", %esi\n"
        "  movq hg_real_dlopen(%rip), %rax\n"
        "  testq %rax, %rax\n"
        "  jz 1f\n"
        "  jmp *%rax\n"
        "1:\n"
        "  pushq %rdi\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  pushq %rsi\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  subq $8, %rsp\n"   /* the stack 16-byte aligned at the call */
        "  .cfi_adjust_cfa_offset 8\n"
        "  call hg_dlopen_lookup\n"
        "  addq $8, %rsp\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  popq %rsi\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  popq %rdi\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  testq %rax, %rax\n"
        "  jz 2f\n"
        "  jmp *%rax\n"
        "2:\n"
        "  ret\n"
        "  .cfi_endproc\n"
        ".size dlopen, .-dlopen\n"
        ".popsection\n");
#elif defined(__aarch64__)
__asm__(".pushsection .text.dlopen, \"ax\", %progbits\n"
        ".globl dlopen\n"
        ".type dlopen, %function\n"
        "dlopen:\n"
        "  .cfi_startproc\n"
        "  and w1, w1, #0xfffffff7\n"   /* ~RTLD_DEEPBIND */
        "  adrp x16, hg_real_dlopen\n"
        "  ldr x16, [x16, :lo12:hg_real_dlopen]\n"
        "  cbz x16, 1f\n"
        "  br x16\n"
        "1:\n"
        "  stp x29, x30, [sp, #-32]!\n"
        "  .cfi_def_cfa_offset 32\n"
        "  .cfi_offset 29, -32\n"
        "  .cfi_offset 30, -24\n"
        "  stp x0, x1, [sp, #16]\n"
        "  bl hg_dlopen_lookup\n"
        "  mov x16, x0\n"
        "  ldp x0, x1, [sp, #16]\n"
        "  ldp x29, x30, [sp], #32\n"
        "  .cfi_restore 29\n"
        "  .cfi_restore 30\n"
        "  .cfi_def_cfa_offset 0\n"
        "  cbz x16, 2f\n"
        "  br x16\n"
        "2:\n"
        "  mov x0, #0\n"
        "  ret\n"
        "  .cfi_endproc\n"
        ".size dlopen, .-dlopen\n"
        ".popsection\n");
#endif   /* elsewhere glibc's dlopen, RTLD_DEEPBIND and its limit (README) */

/* wipe.h — check mode leaves nothing of the program's on the stack below it.
 *
 * Check mode's calls save the program's callee-saved registers (rbx, rbp, r12-r15:
 * where gcc -O2 keeps a pointer across a call) in their frames, and leave copies of
 * block addresses in the stack they used.  That memory is dead once the call returns,
 * but a frame the program makes later may cover it unwritten (a buffer), and the leak
 * scan at exit reads live frames whole: a leaked block whose address was in a
 * register during some allocation call read "still reachable" where Valgrind says
 * "definitely lost" (tests/bugs/bug_leak_register.c).
 *
 * So on x86-64 every function by which a call enters check mode — each exported
 * allocation function but malloc, free and the C++ operators, whose fast paths stay
 * as they are, and the slow paths those miss to — is a stub in front of its C body
 * (HG_WIPED): outside check mode it jumps to the body, one compare more; in check mode
 * it calls the body and, once every frame of the allocator's has returned, zeroes
 * hg_wipe_bytes of the stack below the program's stack pointer, the program's
 * registers saved there included (the stub itself saves nothing).  The stub is the
 * outermost frame of the call: nothing of the C bodies runs before it, whatever the
 * compiler makes of their prologues.  A call that needed libunwind wipes its deeper use
 * itself (stack.c: scrub_deep).
 *
 * Elsewhere HG_WIPED is the C function itself, and check mode's entry points wipe below
 * their own frames (check.c): the program's registers the outer frames saved stay (the
 * false negative above). */
#ifndef HG_WIPE_H
#define HG_WIPE_H

#include "internal.h"

/* Check mode (hg_check_init): the stubs wipe (hg_wipe_on not 0), hg_wipe_bytes each
 * call (a multiple of 128), enough for the deepest call but a report's or a first
 * walk's. */
extern HG_HIDDEN uint8_t hg_wipe_on;   /* 2: with a frame-pointer record (below) */
extern HG_HIDDEN size_t hg_wipe_bytes;
void hg_wipe_init(size_t stack_depth);

#if defined(__x86_64__)
#define HG_WIPE_STUBS 1

/* Built for CET's indirect branch tracking, every stub and wipe starts with endbr64:
 * the program reaches the exported ones through its PLT, and the stubs reach the wipe
 * through hg_wipe_return. */
#if defined(__CET__) && (__CET__ & 1)
#define HG_WIPE_ENDBR "  endbr64\n"
#else
#define HG_WIPE_ENDBR ""
#endif

/* Every stub's start: outside check mode (hg_wipe_on 0) a tail jump to the body;
 * label 1 for the rest. */
#define HG_WIPE_STUB_HEAD(body)                                                                    \
  HG_WIPE_ENDBR                                                                                     \
  "  cmpb $1, hg_wipe_on(%rip)\n"                                                                   \
  "  jae 1f\n"                                                                                      \
  "  jmp " #body "\n"                                                                               \
  "1:\n"

/* The stub `name` in front of body `body` (hidden unless exported).  Its CFA is its
 * stack pointer + 8, + 16 during the call: unwinders (the capture's walk, libunwind,
 * gdb) step through it to the program as through any frame.  In a program started
 * without a loader (linked -static), where libunwind, a second copy loaded by the
 * static dlopen, finds no unwind tables of the program's and walks by frame pointers,
 * the stub keeps a frame-pointer record during the call (hg_wipe_on 2: the program's
 * rbp, which the wipe then zeroes): without one the walk skipped the program's frame
 * above it (programs/static_check).  Elsewhere that record would make the stub's a
 * frame-pointer frame to the capture's walk, whose memo then checks a word more a
 * capture (+20 instructions a pair).  The wipe (wipe.c) is jumped to, not called: it
 * returns to the program.  The stub's section and the body's name (name_body) start as
 * the function's did: heapguard.ld.in places both where it placed the function (the
 * warm text's patterns). */
#define HG_WIPE_STUB_ASM(name, body, visibility)                                                       \
  __asm__(".pushsection .text." #name ", \"ax\", @progbits\n"                                    \
          ".p2align 4\n"                                                                            \
          ".globl " #name "\n" visibility " " #name "\n"                                            \
          ".type " #name ", @function\n" #name ":\n"                                                \
          ".cfi_startproc\n"                                                                        \
          HG_WIPE_STUB_HEAD(body)                                                                   \
          "  ja 2f\n"                                                                               \
          "  sub $8, %rsp\n"                                                                        \
          "  .cfi_adjust_cfa_offset 8\n"                                                            \
          "  call " #body "\n"                                                                      \
          "  add $8, %rsp\n"                                                                        \
          "  .cfi_adjust_cfa_offset -8\n"                                                           \
          "  jmp *hg_wipe_return(%rip)\n"                                                           \
          "2:\n"                                                                                    \
          "  push %rbp\n"                                                                           \
          "  .cfi_adjust_cfa_offset 8\n"                                                            \
          "  .cfi_rel_offset %rbp, 0\n"                                                             \
          "  mov %rsp, %rbp\n"                                                                      \
          "  call " #body "\n"                                                                      \
          "  pop %rbp\n"                                                                            \
          "  .cfi_adjust_cfa_offset -8\n"                                                           \
          "  .cfi_restore %rbp\n"                                                                   \
          "  jmp *hg_wipe_return(%rip)\n"                                                           \
          ".cfi_endproc\n"                                                                          \
          ".size " #name ", .-" #name "\n"                                                         \
          ".popsection\n");

/* The stub for a function called rarely whose frames reach deeper than hg_wipe_bytes
 * (heapguard's own API: the verify and the stats use 2 to 5 KiB): up to `bytes` zeroed
 * below the program's stack pointer, in place (rep stosq; rax, the result, kept in r8),
 * after the frame-pointer record hg_wipe_on 2 keeps, here in both modes: these calls are
 * rare.  Never past the stack the call runs on (hg_wipe_deep_room, asked before the
 * body runs, its arguments kept meanwhile: the bodies take at most four): mallinfo2()
 * in a signal handler on an alternate stack (often a malloc'd block) or near a thread
 * stack's floor used less than `bytes`, and the rest zeroed the program's memory below
 * or faulted (bugs/clean_wipe_deep_floor). */
#define HG_WIPE_DEEP_STUB_ASM(name, body, bytes)                                                   \
  __asm__(".pushsection .text." #name ", \"ax\", @progbits\n"                                    \
          ".p2align 4\n"                                                                            \
          ".globl " #name "\n.type " #name ", @function\n" #name ":\n"                              \
          ".cfi_startproc\n"                                                                        \
          HG_WIPE_STUB_HEAD(body)                                                                   \
          "  push %rbp\n"                                                                           \
          "  .cfi_adjust_cfa_offset 8\n"                                                            \
          "  .cfi_rel_offset %rbp, 0\n"                                                             \
          "  mov %rsp, %rbp\n"                                                                      \
          "  sub $48, %rsp\n"                                                                       \
          "  .cfi_adjust_cfa_offset 48\n"                                                           \
          "  mov %rdi, (%rsp)\n"                                                                    \
          "  mov %rsi, 8(%rsp)\n"                                                                   \
          "  mov %rdx, 16(%rsp)\n"                                                                  \
          "  mov %rcx, 24(%rsp)\n"                                                                  \
          "  lea 8(%rbp), %rdi\n"                                                                   \
          "  mov $" #bytes ", %esi\n"                                                               \
          "  call hg_wipe_deep_room\n"                                                              \
          "  mov %rax, 32(%rsp)\n"                                                                  \
          "  mov (%rsp), %rdi\n"                                                                    \
          "  mov 8(%rsp), %rsi\n"                                                                   \
          "  mov 16(%rsp), %rdx\n"                                                                  \
          "  mov 24(%rsp), %rcx\n"                                                                  \
          "  call " #body "\n"                                                                      \
          "  mov 32(%rsp), %rcx\n"                                                                  \
          "  add $48, %rsp\n"                                                                       \
          "  .cfi_adjust_cfa_offset -48\n"                                                          \
          "  pop %rbp\n"                                                                            \
          "  .cfi_adjust_cfa_offset -8\n"                                                           \
          "  .cfi_restore %rbp\n"                                                                   \
          "  mov %rax, %r8\n"                                                                       \
          "  xor %eax, %eax\n"                                                                      \
          "  mov %rsp, %rdi\n"                                                                      \
          "  sub %rcx, %rdi\n"                                                                      \
          "  shr $3, %rcx\n"                                                                        \
          "  rep stosq\n"                                                                           \
          "  mov %r8, %rax\n"                                                                       \
          "  ret\n"                                                                                 \
          ".cfi_endproc\n"                                                                          \
          ".size " #name ", .-" #name "\n"                                                         \
          ".popsection\n");
/* How many of `want` bytes below sp (the program's, at the deep stub's return address)
 * its wipe may zero: a multiple of 8 (wipe.c). */
HG_HIDDEN size_t hg_wipe_deep_room(uintptr_t sp, size_t want);

/* An exported function whose calls may enter check mode:
 *   HG_WIPED_EXPORT(void *, calloc, (size_t nmemb, size_t size)) { ...body... }
 * and a second exported name for it, HG_WIPED_ALIAS(__libc_calloc, calloc). */
#define HG_WIPED_EXPORT(ret, name, params)                                                         \
  HG_WIPE_STUB_ASM(name, name##_body, ".globl")                                                      \
  ret name##_body params;                                                                       \
  HG_HIDDEN ret name##_body params
/* The same with HG_WIPE_DEEP_STUB_ASM's stub. */
#define HG_WIPED_EXPORT_DEEP(ret, name, params, bytes)                                            \
  HG_WIPE_DEEP_STUB_ASM(name, name##_body, bytes)                                                  \
  ret name##_body params;                                                                       \
  HG_HIDDEN ret name##_body params
#define HG_WIPED_ALIAS(alias, name)                                                                 \
  __asm__(".globl " #alias "\n.type " #alias ", @function\n.set " #alias ", " #name "\n");
/* The same for a function of the library's own (hidden), static or not in C. */
#define HG_WIPED_INTERNAL(ret, name, params)                                                       \
  HG_WIPE_STUB_ASM(name, name##_body, ".hidden")                                               \
  HG_HIDDEN ret name params;                                                                        \
  HG_HIDDEN ret name##_body params;                                                             \
  HG_HIDDEN HG_NOINLINE ret name##_body params
#else
#define HG_WIPED_EXPORT(ret, name, params) HG_EXPORT ret name params
#define HG_WIPED_EXPORT_DEEP(ret, name, params, bytes) HG_EXPORT ret name params
#define HG_WIPED_ALIAS(alias, name) extern __typeof__(name) alias HG_ALIAS(name);
#define HG_WIPED_INTERNAL(ret, name, params)                                                       \
  HG_HIDDEN ret name params;                                                                        \
  HG_HIDDEN HG_NOINLINE ret name params
#endif

#endif

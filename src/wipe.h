/* wipe.h — check mode's calls run on a stack of their own (a side stack).
 *
 * Check mode's calls save the program's callee-saved registers (rbx, rbp, r12-r15:
 * where gcc -O2 keeps a pointer across a call) in their frames, and leave copies of
 * block addresses in the stack they used.  Left on the program's stack, below its
 * stack pointer, that dead memory may be covered by a frame the program makes later,
 * unwritten (a buffer), and the leak scan at exit reads live frames whole: a leaked
 * block whose address was in a register during some allocation call read "still
 * reachable" where Valgrind says "definitely lost" (tests/bugs/bug_leak_register.c).
 *
 * So on x86-64 every function by which a call enters check mode — each exported
 * allocation function but malloc, free and the C++ operators, whose fast paths stay
 * as they are, and the slow paths those miss to — is a stub in front of its C body
 * (HG_WIPED): outside check mode it jumps to the body, one compare more; in check mode
 * it moves the stack pointer to the top of the thread's side stack (wipe.c: mapped at
 * the thread's first call, with a guard page), keeping the program's stack pointer
 * and rbp in a record there, calls the body, and moves back.  The program's stack
 * never holds the allocator's frames, and nothing needs wiping; the leak scan does not
 * read a side stack but the part a thread stopped inside a call is using (leak.c).
 * The capture starts from the record: the program's frame (stack.c).  The stub's CFI
 * says where the program's frame is (a DWARF expression: a copy of the program's stack
 * pointer on the side stack), so debuggers, libunwind, C++ exceptions thrown by a
 * new_handler and pthread_cancel's unwinding step through it; a call left that way
 * (or by a longjmp out of a signal handler) never gave the side stack back, and the
 * thread's next call takes it again (wipe.c: hg_side_acquire).
 *
 * A call that finds the side stack in use (a signal handler that interrupted a call,
 * or the allocator's own allocations inside one) or none (its mapping failed, the
 * thread is exiting) runs where it is: on the side stack it needs nothing more;
 * elsewhere (an alternate signal stack, a program's stack) it zeroes what it used
 * below the stack pointer, as far as the stack goes (wipe.c).
 *
 * Elsewhere HG_WIPED is the C function itself, and check mode's entry points wipe below
 * their own frames (check.c): the program's registers the outer frames saved stay (the
 * false negative above). */
#ifndef HG_WIPE_H
#define HG_WIPE_H

#include "internal.h"

/* Check mode (hg_check_init): the stubs switch (hg_wipe_on not 0); a call that cannot
 * switch, off the side stack, wipes hg_wipe_bytes below it (a deep one its own count:
 * HG_WIPED_EXPORT_DEEP), enough for the deepest call but a report's or a first walk's.
 * (A program started without a loader, linked -static, needs nothing apart: the
 * capture starts from the program's frame, which libunwind there walks by frame
 * pointers.) */
extern HG_HIDDEN uint8_t hg_wipe_on;
extern HG_HIDDEN size_t hg_wipe_bytes;
void hg_wipe_init(size_t stack_depth);

/* A side stack: its mapping (a guard page at the bottom) and this header at its top.
 * Below the header, from the top: the record of the call running (its stack pointer,
 * then its rbp: hg_side_record), the copy of the stack pointer the CFI reads, a pad;
 * then the body's frames. */
struct hg_side {
  uintptr_t lo, hi;             /* the mapping: [lo, hi), the guard page first */
  /* The leak scan reads [scan_from, the record's end) of it (leak.c): set by a thread
   * stopped for the scan (hg_side_note_stop), the whole stack for one that was not. */
  _Atomic uintptr_t scan_from;
  bool owned;                   /* a live thread's */
  struct hg_side *next_free, *next_all;
};
/* The calling thread's side stack's top (its header) while free; 0 while a call runs
 * on it, or when the thread has none. */
extern HG_HIDDEN __thread uintptr_t hg_side_free;
extern HG_HIDDEN __thread struct hg_side *hg_side;      /* NULL: none yet */

/* The record of the calling thread's check-mode call, for a capture from an entry
 * point's body: [0] the program's rbp, [1] its stack pointer (at the stub's entry: it
 * points at the return address).  A call that switched has it on its side stack; one
 * that runs where it is writes its own there, and puts back the one it found as it
 * leaves (hg_side_here).  NULL outside check mode's stubs. */
static inline const uintptr_t *hg_side_record(void) {
  const struct hg_side *s = hg_side;
  if (!s) return NULL;
  const uintptr_t *rec = (const uintptr_t *)s - 2;
  return rec[1] ? rec : NULL;
}

/* Whether sp is on the calling thread's side stack (a check-mode call runs there). */
static inline bool hg_side_on(uintptr_t sp) {
  const struct hg_side *s = hg_side;
  return s && sp - s->lo < s->hi - s->lo;
}

/* fn(status) on the calling thread's side stack when it is free, else where it is:
 * the exit work (check_exit.c, init.c), which a tiny main stack cannot hold. */
int hg_side_exit_call(int (*fn)(int), int status);

/* The stubs' slow path's (wipe.c). */
uintptr_t hg_side_acquire(uintptr_t sp);
size_t hg_side_wipe_room(uintptr_t sp, size_t want);

/* The leak scan (stop.c, leak.c): a thread stopped at sp notes which part of its side
 * stack is in use; the scanner visits every side stack. */
void hg_side_note_stop(uintptr_t sp);
void hg_side_scan_prepare(void);
void hg_side_each(void (*fn)(uintptr_t lo, uintptr_t hi, void *arg), void *arg);
/* Whether [lo, hi) meets a side stack. */
bool hg_side_holds(uintptr_t lo, uintptr_t hi);
void hg_side_fork_prepare(void);
void hg_side_fork_parent(void);
void hg_side_fork_child(void);

#if defined(__x86_64__)
#define HG_WIPE_STUBS 1

/* Built for CET's indirect branch tracking, every stub starts with endbr64: the program
 * reaches the exported ones through its PLT. */
#if defined(__CET__) && (__CET__ & 1)
#define HG_WIPE_ENDBR "  endbr64\n"
#else
#define HG_WIPE_ENDBR ""
#endif

/* The CFA while the body runs on the side stack: the program's stack pointer, kept at
 * 8(%rsp), + 8 (DW_CFA_def_cfa_expression: DW_OP_breg7 8, DW_OP_deref,
 * DW_OP_plus_uconst 8).  rbp and the return address are where they were.  A copy of
 * its own, apart from the record, which a call nested in this one rewrites while it
 * runs (hg_side_here): the unwinding of the outer call must not follow it. */
#define HG_SIDE_CFA ".cfi_escape 0x0f, 0x05, 0x77, 0x08, 0x06, 0x23, 0x08\n"

/* The stub `name` in front of body `body` (hidden unless exported); `bytes`: what a
 * call that cannot switch wipes (0: hg_wipe_bytes).  Outside check mode (hg_wipe_on 0)
 * a tail jump to the body, one compare more; the rest, name.side, is cold text (the
 * default mode's hot text stays as small).  The side stack is taken (its free top in
 * rax, hg_side_free zeroed) before the record is written and the stack pointer moved,
 * and given back after the stack pointer is the program's again: a signal handler's
 * call in between finds it in use and runs where it is, never over the record or the
 * frames of the call it interrupted.  A call that finds no free side stack goes to
 * hg_side_slow (wipe.c), the body's address in r11 and `bytes` in eax.  The stub's
 * section and the body's name (name_body) start as the function's did:
 * heapguard.ld.in places both where it placed the function (the warm text's
 * patterns). */
#define HG_WIPE_STUB_ASM(name, body, visibility, bytes)                                             \
  __asm__(".pushsection .text." #name ", \"ax\", @progbits\n"                                       \
          ".p2align 4\n"                                                                            \
          ".globl " #name "\n" visibility " " #name "\n"                                            \
          ".type " #name ", @function\n" #name ":\n"                                                \
          ".cfi_startproc\n"                                                                        \
          HG_WIPE_ENDBR                                                                             \
          "  cmpb $1, hg_wipe_on(%rip)\n"                                                           \
          "  jae " #name ".side\n"                                                                  \
          "  jmp " #body "\n"                                                                       \
          ".cfi_endproc\n"                                                                          \
          ".size " #name ", .-" #name "\n"                                                          \
          ".popsection\n"                                                                           \
          ".pushsection .text.unlikely." #name ".side, \"ax\", @progbits\n"                         \
          ".p2align 4\n"                                                                            \
          ".type " #name ".side, @function\n" #name ".side:\n"                                      \
          ".cfi_startproc\n"                                                                        \
          "  mov hg_side_free@gottpoff(%rip), %r11\n"                                               \
          "  mov %fs:(%r11), %rax\n"                                                                \
          "  test %rax, %rax\n"                                                                     \
          "  jz 3f\n"                                                                               \
          "  movq $0, %fs:(%r11)\n"                                                                 \
          "  mov %rsp, -8(%rax)\n"                                                                  \
          "  mov %rbp, -16(%rax)\n"                                                                 \
          "  mov %rsp, -24(%rax)\n"                                                                 \
          "  lea -32(%rax), %rsp\n"                                                                 \
          HG_SIDE_CFA                                                                               \
          "  call " #body "\n"                                                                      \
          "  lea 32(%rsp), %rcx\n"                                                                  \
          "  mov 8(%rsp), %rsp\n"                                                                   \
          "  .cfi_def_cfa %rsp, 8\n"                                                                \
          "  movq $0, -8(%rcx)\n"                                                                   \
          "  mov hg_side_free@gottpoff(%rip), %r11\n"                                               \
          "  mov %rcx, %fs:(%r11)\n"                                                                \
          "  ret\n"                                                                                 \
          "3:\n"                                                                                    \
          "  lea " #body "(%rip), %r11\n"                                                           \
          "  mov $" #bytes ", %eax\n"                                                               \
          "  jmp hg_side_slow\n"                                                                    \
          ".cfi_endproc\n"                                                                          \
          ".size " #name ".side, .-" #name ".side\n"                                                \
          ".popsection\n");

/* An exported function whose calls may enter check mode:
 *   HG_WIPED_EXPORT(void *, calloc, (size_t nmemb, size_t size)) { ...body... }
 * and a second exported name for it, HG_WIPED_ALIAS(__libc_calloc, calloc). */
#define HG_WIPED_EXPORT(ret, name, params)                                                         \
  HG_WIPE_STUB_ASM(name, name##_body, ".globl", 0)                                                  \
  ret name##_body params;                                                                       \
  HG_HIDDEN ret name##_body params
/* The same for a function called rarely whose frames reach deeper than hg_wipe_bytes
 * (heapguard's own API: the verify and the stats use 2 to 6 KiB): `bytes` wiped when
 * the call cannot switch. */
#define HG_WIPED_EXPORT_DEEP(ret, name, params, bytes)                                            \
  HG_WIPE_STUB_ASM(name, name##_body, ".globl", bytes)                                              \
  ret name##_body params;                                                                       \
  HG_HIDDEN ret name##_body params
#define HG_WIPED_ALIAS(alias, name)                                                                 \
  __asm__(".globl " #alias "\n.type " #alias ", @function\n.set " #alias ", " #name "\n");
/* The same for a function of the library's own (hidden), static or not in C. */
#define HG_WIPED_INTERNAL(ret, name, params)                                                       \
  HG_WIPE_STUB_ASM(name, name##_body, ".hidden", 0)                                             \
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

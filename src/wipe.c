/* wipe.c — the wipe behind check mode's entry stubs (wipe.h). */
#include "wipe.h"
#include "init.h"
#include "stack.h"

/* (Read by every stub, in the default mode too: with the data its paths read.) */
uint8_t hg_wipe_on HG_DEFAULT_DATA;
size_t hg_wipe_bytes;

#if defined(HG_WIPE_STUBS)
#include <cpuid.h>

/* Jumped to by a stub once its body returned: the stack pointer is the program's
 * again (it points at the return address).  Zeroes the hg_wipe_bytes below it, rounded
 * down to the stores' alignment, and the 8 to 24 bytes between that and the return
 * address, then returns to the program with rax (the result) untouched: only rdi, rdx
 * and the vector register 0 are used, which no caller keeps across a call.  The stack
 * pointer does not move: memory below it is the stack's, dead (the call just used it),
 * and a signal arriving meanwhile leaves its frame there, which is all the same.  The
 * first WIPE_FIXED bytes (what the default stack depth needs: hg_wipe_init) are one run
 * of stores without a loop, then a loop does the rest of a deeper setting's: with AVX,
 * 24 stores of 32 bytes and about 35 instructions in all, where a loop of 4 stores a
 * turn took 52 (16-byte stores without AVX: 55 instead of 80). */
#define WIPE_FIXED 768
#define WIPE_STR_(x) #x
#define WIPE_STR(x) WIPE_STR_(x)
__asm__(".text\n"
        ".p2align 4\n"
        ".hidden hg_wipe_sse\n"
        ".globl hg_wipe_sse\n"
        ".type hg_wipe_sse, @function\n"
        "hg_wipe_sse:\n"
        ".cfi_startproc\n"
        HG_WIPE_ENDBR
        "  lea -8(%rsp), %rdx\n"   /* 16-aligned: the program's call left rsp 8 off */
        "  pxor %xmm0, %xmm0\n"
        "  .set .Lwipe_at, 16\n"
        "  .rept " WIPE_STR(WIPE_FIXED) " / 16\n"
        "  movaps %xmm0, -.Lwipe_at(%rdx)\n"
        "  .set .Lwipe_at, .Lwipe_at + 16\n"
        "  .endr\n"
        "  mov hg_wipe_bytes(%rip), %rdi\n"
        "  cmp $" WIPE_STR(WIPE_FIXED) ", %rdi\n"
        "  ja 2f\n"
        "1:\n"
        "  movq $0, (%rdx)\n"
        "  ret\n"
        "2:\n"
        "  neg %rdi\n"
        "  add %rdx, %rdi\n"
        "  sub $" WIPE_STR(WIPE_FIXED) ", %rdx\n"
        "3:\n"
        "  movaps %xmm0, (%rdi)\n"
        "  movaps %xmm0, 16(%rdi)\n"
        "  movaps %xmm0, 32(%rdi)\n"
        "  movaps %xmm0, 48(%rdi)\n"
        "  movaps %xmm0, 64(%rdi)\n"
        "  movaps %xmm0, 80(%rdi)\n"
        "  movaps %xmm0, 96(%rdi)\n"
        "  movaps %xmm0, 112(%rdi)\n"
        "  sub $-128, %rdi\n"
        "  cmp %rdx, %rdi\n"
        "  jb 3b\n"
        "  lea -8(%rsp), %rdx\n"
        "  jmp 1b\n"
        ".cfi_endproc\n"
        ".size hg_wipe_sse, .-hg_wipe_sse\n"
        "\n"
        ".p2align 4\n"
        ".hidden hg_wipe_avx\n"
        ".globl hg_wipe_avx\n"
        ".type hg_wipe_avx, @function\n"
        "hg_wipe_avx:\n"
        ".cfi_startproc\n"
        HG_WIPE_ENDBR
        "  lea -8(%rsp), %rdx\n"
        "  and $-32, %rdx\n"
        "  vxorps %xmm0, %xmm0, %xmm0\n"
        "  .set .Lwipe_at, 32\n"
        "  .rept " WIPE_STR(WIPE_FIXED) " / 32\n"
        "  vmovaps %ymm0, -.Lwipe_at(%rdx)\n"
        "  .set .Lwipe_at, .Lwipe_at + 32\n"
        "  .endr\n"
        "  mov hg_wipe_bytes(%rip), %rdi\n"
        "  cmp $" WIPE_STR(WIPE_FIXED) ", %rdi\n"
        "  ja 2f\n"
        "1:\n"
        "  vzeroupper\n"
        "  movq $0, -24(%rsp)\n"
        "  movq $0, -16(%rsp)\n"
        "  movq $0, -8(%rsp)\n"
        "  ret\n"
        "2:\n"
        "  neg %rdi\n"
        "  add %rdx, %rdi\n"
        "  sub $" WIPE_STR(WIPE_FIXED) ", %rdx\n"
        "3:\n"
        "  vmovaps %ymm0, (%rdi)\n"
        "  vmovaps %ymm0, 32(%rdi)\n"
        "  vmovaps %ymm0, 64(%rdi)\n"
        "  vmovaps %ymm0, 96(%rdi)\n"
        "  sub $-128, %rdi\n"
        "  cmp %rdx, %rdi\n"
        "  jb 3b\n"
        "  jmp 1b\n"
        ".cfi_endproc\n"
        ".size hg_wipe_avx, .-hg_wipe_avx\n");

size_t hg_wipe_deep_room(uintptr_t sp, size_t want) {
  size_t room = hg_stack_room(sp);
  return (want < room ? want : room) & ~(size_t)7;
}

extern char hg_wipe_sse[], hg_wipe_avx[];
/* The stubs jump through it (wipe.h). */
HG_HIDDEN void *hg_wipe_return = hg_wipe_sse;

/* AVX and the kernel saving the ymm registers' upper halves (XCR0 bits 1 and 2). */
static bool avx_usable(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) || !(c & bit_AVX)) return false;
  unsigned lo, hi;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (lo & 6) == 6;
}

#endif

void hg_wipe_init(size_t stack_depth) {
  /* A call uses about 350 bytes of stack below the program's with the default depth,
   * besides the frames it captures (an array of them on the stack): 336 to 512 bytes
   * measured, calls whose walk missed the memo included. */
  hg_wipe_bytes = hg_align_up(512 + (stack_depth + HG_STACK_OWN_FRAMES_MAX) * sizeof(uintptr_t), 128);
#if defined(HG_WIPE_STUBS)
  if (avx_usable()) hg_wipe_return = hg_wipe_avx;
  hg_wipe_on = hg_started_without_loader() ? 2 : 1;
#endif
}

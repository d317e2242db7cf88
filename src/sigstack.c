/* sigstack.c — a stack of its own for reports made on a small alternate signal stack
 * (sigstack.h). */
#define _GNU_SOURCE
#include "sigstack.h"

#include <signal.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "os.h"

/* No lock, no allocation: getauxval reads the vector saved at start-up, and glibc's
 * sysconf(_SC_MINSIGSTKSZ) a figure its loader set; both fine in a signal handler. */
size_t hg_sigstack_frame(void) {
  size_t frame = getauxval(AT_MINSIGSTKSZ);
  if (frame) return frame;
#ifdef _SC_MINSIGSTKSZ
  long libc = sysconf(_SC_MINSIGSTKSZ);
  if (libc > 0 && (size_t)libc > HG_SIGFRAME_FALLBACK) return (size_t)libc;
#endif
  return HG_SIGFRAME_FALLBACK;
}

size_t hg_sigstack_size(void) {
  return ((HG_SIGSTACK_NEED + hg_sigstack_frame() + HG_PAGE - 1) & ~(size_t)(HG_PAGE - 1)) + HG_PAGE;
}

bool hg_sigstack_small(void) {
  stack_t ss;
  if (sigaltstack(NULL, &ss) != 0 || !(ss.ss_flags & SS_ONSTACK)) return false;
  return ss.ss_size < HG_SIGSTACK_SMALL + hg_sigstack_frame();
}

bool hg_sigstack_call(void (*fn)(void *), void *arg) {
#if defined(__x86_64__)
  size_t size = hg_sigstack_size();
  char *room = hg_os_map(size);
  if (!room) return false;
  register void *a __asm__("rdi") = arg;
  void *top = room + size - HG_PAGE;   /* 16-aligned, as the ABI wants at a call */
  /* rbx (callee-saved: fn keeps it) holds the old stack pointer across the call; every
   * caller-saved register is clobbered, as by any call. */
  __asm__ volatile("mov %%rsp, %%rbx\n\t"
                   "mov %[top], %%rsp\n\t"
                   "call *%[fn]\n\t"
                   "mov %%rbx, %%rsp"
                   : "+r"(a), [fn] "+r"(fn), [top] "+r"(top)
                   :
                   : "rbx", "rax", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "memory", "cc", "xmm0",
                     "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
                     "xmm12", "xmm13", "xmm14", "xmm15");
  hg_os_unmap(room, size);
  return true;
#else
  (void)fn, (void)arg;
  return false;
#endif
}

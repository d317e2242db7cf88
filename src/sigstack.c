/* sigstack.c — a stack of its own for reports made on a small alternate signal stack
 * (sigstack.h). */
#define _GNU_SOURCE
#include "sigstack.h"

#include <signal.h>

#include "os.h"

bool hg_sigstack_small(void) {
  stack_t ss;
  if (sigaltstack(NULL, &ss) != 0 || !(ss.ss_flags & SS_ONSTACK)) return false;
  return ss.ss_size < HG_SIGSTACK_SMALL;
}

bool hg_sigstack_call(void (*fn)(void *), void *arg) {
#if defined(__x86_64__)
  char *room = hg_os_map(HG_SIGSTACK_SIZE);
  if (!room) return false;
  register void *a __asm__("rdi") = arg;
  void *top = room + HG_SIGSTACK_SIZE - HG_PAGE;   /* 16-aligned, as the ABI wants at a call */
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
  hg_os_unmap(room, HG_SIGSTACK_SIZE);
  return true;
#else
  (void)fn, (void)arg;
  return false;
#endif
}

/* crash.h — check and guard modes' report of a program killed by a signal.
 *
 * A program that dies by SIGSEGV, SIGBUS, SIGABRT, SIGFPE or SIGILL (its action for the
 * signal being the default one) gets, as under Valgrind: what happened (the signal, what
 * its si_code means, the faulting address and access when known), the stack where it
 * happened, where the address lies (in or next to a heap block, with the block's
 * stacks; otherwise where in the process), a word on any register holding heapguard's
 * poison patterns, then the exit-time work (verify, leak scan, error summary), and the
 * process dies by the signal as it would have.  fault.c's handler calls it, once per
 * process (its `reporter`), before it restores the default action. */
#ifndef HG_CRASH_H
#define HG_CRASH_H

#include <signal.h>
#include <ucontext.h>

#include "internal.h"

/* The kernel's return address from a signal handler (glibc's __restore_rt), read back
 * by hg_fault_install; 0 if unknown.  A frame there marks a signal frame in a stack. */
extern HG_HIDDEN uintptr_t hg_fault_restorer;

/* The interrupted instruction's address in a signal context; 0 if unknown. */
static inline uintptr_t hg_context_pc(const ucontext_t *uc) {
#if defined(__x86_64__)
  return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
  return (uintptr_t)uc->uc_mcontext.pc;
#else
  (void)uc;
  return 0;
#endif
}

/* Report the fatal signal sig (si, uc: the handler's arguments).  small_stack: the
 * handler runs on a small alternate signal stack (the report moves to a stack of its
 * own).  Returns;
 * the caller makes the signal kill the process. */
void hg_crash_report(int sig, const siginfo_t *si, ucontext_t *uc, bool small_stack);

#endif

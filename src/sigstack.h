/* sigstack.h — report work moved off the program's small alternate signal stack.
 *
 * fault.c's handler is installed with SA_ONSTACK, so it runs on the program's
 * alternate signal stack when the program set one (Python's faulthandler does, and any
 * program that catches its own stack overflows must).  Such stacks are small:
 * MINSIGSTKSZ (2 KiB) to a few KiB is common, and the kernel's signal frame takes most
 * of 2 KiB already.  A report needs far more (libunwind's cursor and context, the
 * formatter's line buffers, the symboliser, the leak scan), and overflowing the
 * alternate stack kills the process with no word.  So a report made there runs on a
 * stack of its own: a fresh mapping (no malloc; the kernel gives its pages as they are
 * touched).  Used by fault.c (guard and sampled modes' fault reports, the misalignment
 * hint) and crash.c (the crash report). */
#ifndef HG_SIGSTACK_H
#define HG_SIGSTACK_H

#include "internal.h"

/* The size of the stack hg_sigstack_call gives fn; an alternate stack smaller than
 * this is "small". */
#define HG_SIGSTACK_SIZE (1024 * HG_KiB)
#define HG_SIGSTACK_SMALL (256 * HG_KiB)

/* True if the calling thread runs on its alternate signal stack and that stack is
 * under HG_SIGSTACK_SMALL.  One system call (sigaltstack), little stack: safe to call
 * first thing in a handler on a 2 KiB stack. */
bool hg_sigstack_small(void);

/* Calls fn(arg) with the stack pointer at the end of a fresh mapping of
 * HG_SIGSTACK_SIZE bytes (less a page of zeros: a return address 0 above fn's frame
 * ends any walk up that stack), and unmaps it when fn returns.  False, without calling
 * fn, if the mapping cannot be made or the architecture is not x86-64: the caller then
 * does with the stack it has.  The signal's own context (its ucontext) is untouched,
 * so stacks unwound from it are the interrupted thread's as before.  The mapping is
 * one mmap system call (os.c), taking no lock unless tracing is on (hg_trace_on: the
 * trace lock, which interrupted heapguard code may hold): not for heapguard's own
 * code's signals then. */
bool hg_sigstack_call(void (*fn)(void *), void *arg);

#endif

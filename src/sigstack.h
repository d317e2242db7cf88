/* sigstack.h — reports made in a signal handler run on a stack of their own.
 *
 * fault.c's handler runs on the stack of the thread that took the signal, or on the
 * program's alternate signal stack (it is installed with SA_ONSTACK, so a program
 * that catches its own stack overflows keeps doing so; Python's faulthandler sets one).
 * Either may be small: MINSIGSTKSZ (2 KiB, most of it the kernel's signal frame) to a
 * few KiB for an alternate stack, 16 or 32 KiB for a thread's.  A report needs far
 * more (libunwind's cursor and context, the formatter's line buffers, the symboliser:
 * tens of KiB; the leak scan), and overflowing the stack kills the process with no
 * word.  So a report runs on a stack of its own: a fresh mapping (no malloc; the
 * kernel gives its pages as they are touched), made and unmapped per report.  Used by
 * fault.c (guard and sampled modes' fault reports, the misalignment hint) and crash.c
 * (the crash report). */
#ifndef HG_SIGSTACK_H
#define HG_SIGSTACK_H

#include "internal.h"

/* The stack a report needs (fn's of hg_sigstack_call; the symboliser, the leak scan)
 * beyond room for one signal frame, which a signal arriving during the report puts
 * on the same stack; and the least an alternate stack must leave after the kernel's
 * frame of the signal being handled for a report to run there (below it the stack is
 * "small": no symbols, no leak scan, if fn cannot move). */
#define HG_SIGSTACK_NEED (1024 * HG_KiB)
#define HG_SIGSTACK_SMALL (256 * HG_KiB)

/* The most stack the kernel's frame of one signal takes on this CPU: AT_MINSIGSTKSZ
 * where the kernel gives it (it grows with the vector registers the kernel saves:
 * 3376 bytes with AVX-512, more with AMX, SVE or SME, where the old constant
 * MINSIGSTKSZ, 2 KiB on x86-64, is too small); else the C library's figure
 * (sysconf(_SC_MINSIGSTKSZ): the architecture's constant) but at least
 * HG_SIGFRAME_FALLBACK, a bound on every architecture's frame today. */
#define HG_SIGFRAME_FALLBACK (32 * HG_KiB)
size_t hg_sigstack_frame(void);

/* The size of the mapping hg_sigstack_call makes: HG_SIGSTACK_NEED and a signal frame
 * (hg_sigstack_frame) below the page of zeros at its top, in whole pages. */
size_t hg_sigstack_size(void);

/* True if the calling thread runs on its alternate signal stack and that stack is
 * under HG_SIGSTACK_SMALL once the frame of the signal it handles is taken out.  One
 * system call (sigaltstack), little stack: safe to call first thing in a handler on a
 * 2 KiB stack. */
bool hg_sigstack_small(void);

/* Calls fn(arg) with the stack pointer at the end of a fresh mapping of
 * hg_sigstack_size() bytes (less a page of zeros: a return address 0 above fn's frame
 * ends any walk up that stack), and unmaps it when fn returns.  False, without calling
 * fn, if the mapping cannot be made or the architecture is not x86-64: the caller then
 * does with the stack it has.  The signal's own context (its ucontext) is untouched,
 * so stacks unwound from it are the interrupted thread's as before.  The mapping is
 * one mmap system call (os.c), taking no lock unless tracing is on (hg_trace_on: the
 * trace lock, which interrupted heapguard code may hold): not for heapguard's own
 * code's signals then. */
bool hg_sigstack_call(void (*fn)(void *), void *arg);

#endif

/* stack.h — call stacks for check mode: capture, a de-duplicating depot, printing.
 *
 * Capture must be fast and safe inside malloc, and right for code built without frame
 * pointers, so it uses libunwind's DWARF unwinder (unw_backtrace, with its per-thread
 * cache of unwind info).  libunwind is loaded with dlopen when check or guard mode
 * starts (the library constructor), or at sampled mode's first sample, not linked: the default allocator keeps no dependency beyond
 * libc, and libunwind's own _Unwind_Backtrace stays out of the program's namespace.
 * Allocations before that (the dynamic loader's, early constructors') have no stack.
 *
 * Every stack is stored once, in an append-only depot of mmap'd memory, and named by a
 * 32-bit id (0: none); records refer to stacks by id.  Symbolising (function, file and
 * line, with elfutils' libdw, also loaded on demand) happens only when a report is
 * printed, never while an allocator lock is held, because it allocates.
 *
 * Capture is stack.c's, the depot depot.c's (its internal header: depot.h), printing
 * symbolise.c's. */
#ifndef HG_STACK_H
#define HG_STACK_H

#include "internal.h"

typedef uint32_t hg_stack_t;

#define HG_STACK_MAX_DEPTH 64

/* Load the unwinder (check mode, from the library constructor; may allocate). */
void hg_stack_init(void);
/* Sampled guard mode's start: the unwinder is loaded at the first sample instead, by
 * hg_stack_ready. */
void hg_stack_init_lazy(void);
/* Before a sample: the unwinder is loaded (loading it now if need be: may allocate, so
 * not with an allocator lock held).  False if it cannot be now (another thread is
 * loading it, or the dynamic loader is changing its list of objects): the request is
 * then not sampled. */
bool hg_stack_ready(void);
/* After libunwind's first use: its memory-validation pipe moved from the lowest free
 * descriptors to 500 or above (unwind_pipe.c). */
void hg_unwind_pipe_move(void);

/* The calling thread's stack, without the allocator's own frames, up to
 * hg_opt.stack_depth frames; 0 if stacks are off or cannot be taken.
 *
 * A walk over frame rules (where the caller's frame and return address are) cached by
 * return address, learnt from libunwind's DWARF unwinder the first time each return
 * address is met: libunwind walks the stack only when a frame's rule is missing or
 * says so (signal frames, unusual frames).  In front of the walk, each thread's memo
 * of its recent walks answers a capture that finds the same words on the stack as one
 * of them (stack.c: struct walk_memo). */
#define HG_STACK_OWN_FRAMES_MAX 8
hg_stack_t hg_stack_capture(void);
/* The same from the caller of the function whose frame address is `frame`
 * (__builtin_frame_address(0) of an entry point, which then keeps a frame pointer):
 * the frames below it, known to be the allocator's, are not walked. */
hg_stack_t hg_stack_capture_at(const void *frame);

/* The stack of a signal's context (ucontext_t *, from a SA_SIGINFO handler): the
 * interrupted instruction first (printed as it is, not as a return address), then its
 * callers.  0 if the unwinder is not loaded. */
hg_stack_t hg_stack_capture_context(void *ucontext);
/* The same frames, at most max, into frames[], without the depot (whose lock the
 * interrupted code may hold: crash.c); their count. */
unsigned hg_stack_context_frames(void *ucontext, uintptr_t *frames, unsigned max);
/* Is pc in heapguard's own code?  (Known only when it is a shared object.) */
bool hg_stack_in_own_code(uintptr_t pc);

/* How many bytes of the stack the calling thread runs on lie below sp: down to its
 * alternate signal stack's base when it is on it, else to its thread stack's floor
 * (found once per thread, by pthread_getattr_np: it allocates); 0 when sp is on
 * neither (a coroutine's stack) or the bounds cannot be had now.  What a wipe below
 * sp may zero without writing past the stack (stack.c's scrub, and wipe.c's calls that
 * cannot switch to the side stack: hg_side_wipe_room). */
size_t hg_stack_room(uintptr_t sp);
/* Set: stacks are printed as raw addresses, without the symboliser (which allocates):
 * for reports made where that is not safe. */
extern int hg_stack_no_symbols;

/* Print a stack as report lines: "   at 0x...: <api> (heapguard)" for the allocator
 * entry point the stack was taken in (when api is not NULL), then one "   by" line per
 * frame, symbolised.  Allocates (the symboliser): call with no allocator lock held. */
void hg_stack_print(hg_stack_t id, const char *api);

/* The frames hg_stack_print shows of stack id (the same first and last, at most
 * HEAPGUARD_STACK_DEPTH), symbolised, at most max of them into out; their count.  A
 * field is NULL (line 0) where unknown; the strings live as long as the symboliser's
 * view of the process.  For suppressions (suppress.c).  Allocates, as printing does. */
struct hg_frame_where {
  const char *func, *file, *module;
  int line;
  const char *comp_dir;   /* a relative file's directory (its compilation unit's) */
  /* Another name of the function, which suppressions' fun: lines match too; else NULL:
   * an inlined function's plain name (DW_AT_name: "drop" where func is
   * "_ZN3app4dropEP4Node"), which Valgrind prints and its suppressions name; or the
   * symbol table's name a function goes by less its underscores ("__strdup" where
   * func is "strdup", as Valgrind names it). */
  const char *alias;
};
unsigned hg_stack_where(hg_stack_t id, struct hg_frame_where *out, unsigned max);

/* Print frames[0..n), at most depth of them, as "   at"/"   by" lines without the
 * symboliser and without the depot: each frame's module and offset from
 * /proc/self/maps, or the bare address (crash.c, in heapguard's own code: no lock, no
 * allocation).  hg_stack_print does the same for a stored stack when
 * hg_stack_no_symbols is set. */
void hg_stack_print_raw(const uintptr_t *frames, unsigned n, unsigned depth);

/* The frames of stack id (depot.c), for the printer (symbolise.c): their count, and
 * whether the first is the interrupted instruction itself rather than a return
 * address.  A frame may be in unload.h's encoded form (read each frame once: dlclose
 * may rewrite it). */
const uintptr_t *hg_stack_frames(hg_stack_t id, unsigned *n, bool *exact);
/* Is the allocator linked into the program (its own frames not told apart at capture:
 * the printer drops them by name)? */
bool hg_stack_linked_statically(void);

/* At exit, from a destructor: the stack pointer of the frame that called exit() (the
 * program's, or libc's start code when main returned), or 0 if it cannot be found.
 * The frames below it are the exit machinery's, on memory that earlier calls (the
 * allocator's among them) left full of stale addresses.  regs receives that frame's
 * callee-saved registers (rbx, rbp, r12-r15; left as they are when not found): exit()
 * and its callees saved them below that stack pointer, where the leak scan does not
 * read, so a block the caller held only in one of them looked lost. */
#define HG_EXIT_REGS 6
uintptr_t hg_stack_exit_caller_sp(uintptr_t regs[HG_EXIT_REGS]);

/* Whether address a is in the depot's or the rule table's memory (the leak scan skips
 * it: return addresses and ids only). */
bool hg_stack_holds(uintptr_t a);

/* Nonzero while heapguard itself runs code that allocates (the symboliser): such
 * allocations get no stack and are left out of leak reports. */
extern HG_HIDDEN __thread int hg_stack_quiet;

void hg_stack_fork_prepare(void);
void hg_stack_fork_parent(void);
void hg_stack_fork_child(void);

#endif

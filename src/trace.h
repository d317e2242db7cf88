/* trace.h — `heapguard trace`: every kernel call the allocator makes, with its
 * arguments and result as strace prints them and the reason in words; optionally every
 * malloc/free/... call (HEAPGUARD_TRACE_CALLS), each followed by the kernel calls it
 * caused.
 *
 * Kernel calls.  os.c reports each call after making it (HG_TRACE_SYSCALL: one
 * predictable branch when tracing is off).  The reason comes from the callers, which
 * know it: just before a kernel call, region*.c and meta.c say why with hg_trace_why()
 * (what is happening: growing the heap, mapping a large block, ...), the code that
 * decided to give memory back says what made it (hg_trace_cause(): idle pages, the
 * resident cap, malloc_trim), and the slow paths that serve a request say how big it
 * was (hg_trace_request()).  All three are per-thread and cost one predictable branch
 * when tracing is off.  A reason is consumed by the next kernel call of the thread.
 *
 * Calls (HEAPGUARD_TRACE_CALLS).  The heap is diverted (heap.h): threads get no heap,
 * so every malloc and free reaches trace.c, which serves it from one private heap
 * under the trace lock (same size classes, same region, same kernel calls; all threads
 * share that heap).  api.c's other entry points ask hg_trace_calls_now() first and, if
 * so, make the call again inside hg_trace_call_enter()/hg_trace_call_ptr() (nested
 * allocations are not traced: hg_trace_depth).  The kernel calls made during a traced
 * call are buffered and written, indented, right after the call's own line, in one
 * write.  Check mode wins over call tracing (its own divert); kernel calls are still
 * traced in check mode.
 *
 * Output: a copy of stderr made at start (it survives the program closing fd 2), or
 * the file HEAPGUARD_TRACE names ("%p": the process id; without %p the file is opened
 * for appending, so the processes of one program share it).  Every line is one
 * write(2) and is formatted without allocating:
 *
 *   heapguard[PID] SECONDS CALL = RESULT  # REASON
 *
 * with heapguard[PID/TID] on threads other than the main one, SECONDS since the
 * process started tracing. */
#ifndef HG_TRACE_H
#define HG_TRACE_H

#include "init.h"
#include "internal.h"

enum hg_sys { HG_SYS_BRK, HG_SYS_MMAP, HG_SYS_MUNMAP, HG_SYS_MADVISE, HG_SYS_MREMAP, HG_SYS_MPROTECT,
              HG_SYS_PROCESS_MADVISE };

/* Why the next kernel call is made (with its arguments a and b). */
enum hg_why {
  HG_WHY_NONE,
  HG_WHY_BRK_READ,      /* libc reads the break for the first time (brk(NULL)) */
  HG_WHY_HEAP_GROW,     /* brk up: a = bytes needed from the kernel, b = 1 if without the step */
  HG_WHY_HEAP_UNDO,     /* brk down: a growth that could not be used */
  HG_WHY_REGION_MAP,    /* a region for the heap's blocks when brk cannot grow: a = needed */
  HG_WHY_REGION_UNDO,
  HG_WHY_SHRINK,        /* brk down: the free top of the heap (see hg_trace_cause) */
  HG_WHY_PURGE,         /* madvise(DONTNEED) of a free run (see hg_trace_cause) */
  HG_WHY_LARGE_MAP,     /* a = block size, b = alignment */
  HG_WHY_ALIGN_TRIM,    /* unmapping the slack of an aligned mapping: a = alignment */
  HG_WHY_LARGE_UNDO,
  HG_WHY_LARGE_FREE,    /* a = block size, b = the new mmap threshold if free raised it */
  HG_WHY_LARGE_RESIZE,  /* a = old size, b = new size */
  HG_WHY_META_CHUNK,    /* a mapping for small records */
  HG_WHY_META_LEAF,     /* a page map leaf (mmap, and its madvise) */
  HG_WHY_META_RECORD,   /* another record big enough for a mapping of its own: a = size */
  HG_WHY_PROTECT,       /* guard mode: pages made inaccessible */
  HG_WHY_UNPROTECT,     /* guard mode: pages made accessible again */
  HG_WHY_POPULATE,      /* check mode: fresh pages about to be written, faulted in at once */
  HG_WHY_HUGE_PAGES,    /* check mode: memory the quarantine fills, asked for in huge pages */
};

/* What made the allocator give memory back (HG_WHY_SHRINK, HG_WHY_PURGE). */
enum hg_cause { HG_CAUSE_IDLE, HG_CAUSE_CAP, HG_CAUSE_NOW, HG_CAUSE_TRIM, HG_CAUSE_EXIT,
                HG_CAUSE_FREES };

struct hg_trace_ctx {
  unsigned why, cause;
  size_t a, b;
  size_t idle_ms;      /* HG_CAUSE_IDLE: how long the pages were free */
  size_t request;      /* bytes asked for by the call being served; 0: unknown */
};

/* hidden: read without a GOT load, as the branch in os.c must stay one load */
#define HG_TRACE_HIDDEN __attribute__((visibility("hidden")))
extern HG_TRACE_HIDDEN bool hg_trace_on;      /* HEAPGUARD_TRACE (or TRACE_CALLS) is set */
extern HG_TRACE_HIDDEN bool hg_trace_calls;   /* calls are traced (TRACE_CALLS, not in check mode) */
extern HG_TRACE_HIDDEN __thread struct hg_trace_ctx hg_trace_ctx;
extern HG_TRACE_HIDDEN __thread int hg_trace_depth;   /* > 0 inside a traced call (lock held) */

/* From hg_init, after the options: open the output, divert the heap for calls. */
void hg_trace_init(void);

static inline void hg_trace_why(unsigned why, size_t a, size_t b) {
  if (hg_unlikely(hg_trace_on)) {
    hg_trace_ctx.why = why;
    hg_trace_ctx.a = a;
    hg_trace_ctx.b = b;
  }
}
static inline void hg_trace_cause(unsigned cause, size_t idle_ms) {
  if (hg_unlikely(hg_trace_on)) {
    hg_trace_ctx.cause = cause;
    hg_trace_ctx.idle_ms = idle_ms;
  }
}
static inline void hg_trace_request(size_t n) {
  if (hg_unlikely(hg_trace_on)) hg_trace_ctx.request = n;
}

/* os.c: one kernel call made; `why` overrides the thread's reason (HG_WHY_NONE: use and
 * clear it, why_arg unused).  args are the call's arguments in order. */
void hg_trace_syscall(unsigned sys, long ret, unsigned why, size_t why_arg, const long args[6]);
#define HG_TRACE_SYSCALL(sys, ret, why, why_arg, ...)                                   \
  do {                                                                                 \
    if (hg_unlikely(hg_trace_on)) hg_trace_syscall(sys, ret, why, why_arg, (const long[6]){ __VA_ARGS__ }); \
  } while (0)

/* An event that is no kernel call, in the trace's order: "heapguard[PID] SECONDS # text"
 * (sampled guard mode's budget spent and full again).  Formatted into a stack buffer
 * and written with write(2), or kept with a traced call's kernel calls: no lock, no
 * allocation, so any allocator path may call it (hg_trace_on first). */
void hg_trace_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* api.c: should this call be traced (call tracing on, not nested in a traced call)? */
static inline bool hg_trace_calls_now(void) {
  hg_init();
  return hg_unlikely(hg_trace_calls) && hg_trace_depth == 0;
}
/* Around the call made again: enter takes the trace lock; the leave functions write
 * "<fmt> = <result>" and the kernel calls made meanwhile, release the lock and return
 * the result.  errno is left as the call left it. */
void hg_trace_call_enter(void);
void *hg_trace_call_ptr(void *result, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int hg_trace_call_int(int result, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* ... and for a call without a result (free, operator delete): "<fmt>". */
void hg_trace_call_void(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* heap.c: free(NULL), which changes nothing but is a call the program made: traced
 * as "free(0x0)" unless nested in a traced call (realloc, operator delete). */
void hg_trace_free_null(void);

void hg_trace_fork_prepare(void);
void hg_trace_fork_parent(void);
void hg_trace_fork_child(void);

#endif

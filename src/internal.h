/* internal.h — definitions shared by every module of heapguard.
 *
 * Layers, top to bottom (each file owns one of them):
 *   api.c       malloc/free/... entry points, glibc semantics, errno
 *   compat.c    mallopt, malloc_trim
 *   stats.c     stats mode's observation and snapshots (stats.h); from them mallinfo(2),
 *               malloc_stats, malloc_info, hg_stats_get
 *   stats_out.c the stats table (text, JSON), the timeline's records, the stats signal;
 *               timeline.c: the timeline's file and its sampling
 *   heap.c      per-thread heaps: size-class spans, fast path, remote frees, adoption
 *   region.c    page runs carved from brk/mmap extents: bins, split, coalesce, purge,
 *               brk trim; region_large.c: large blocks (one mapping each)
 *   pagemap.c   address -> span descriptor for every page the allocator owns
 *   meta.c      out-of-band memory for descriptors, heaps and pagemap nodes
 *   os.c        the only code that calls brk/sbrk/mmap/munmap/madvise/mremap/mprotect
 * Beside them: sizeclass.c (class tables), options.c (HEAPGUARD_* settings),
 * report.c (fatal errors and the allocation-free formatter), init.c (process start,
 * fork, thread exit).
 * Check mode, on top of heap and region: check.c (its allocation functions, redzones,
 * quarantine, error reports), check_exit.c (its work at exit), blocks.c (its table of
 * blocks), leak.c (the leak scan),
 * stack.c (stack capture), depot.c (the stored stacks), symbolise.c (symbols), diag.c
 * (report output, error contexts), maps.c (/proc/self/maps).  Guard mode, on top of
 * check mode: guard.c (guarded slots, their page index), guard_sample.c (sampled mode's
 * pool and countdown), fault.c
 * (the SIGSEGV/SIGBUS handler; it exports sigaction and signal); sigaction.h (what fault.c
 * and stop.c, the leak scan's thread stopper, share).  trace.c: `heapguard
 * trace` (kernel calls with reasons, reported by os.c; malloc/free calls through the
 * heap divert); trace_format.c: the text of its lines.  The CLI (src/cli/) is a
 * separate program.
 *
 * Every symbol not in include/heapguard.h is hidden (-fvisibility=hidden) and named
 * hg_<module>_...; only api.c exports the standard names (and fault.c sigaction and
 * signal). */
#ifndef HG_INTERNAL_H
#define HG_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define hg_likely(x)   __builtin_expect(!!(x), 1)
#define hg_unlikely(x) __builtin_expect(!!(x), 0)
#define HG_NOINLINE    __attribute__((noinline))
#define HG_COLD        __attribute__((cold, noinline))
#define HG_NORETURN    __attribute__((noreturn))
/* On the start and exit hooks the default mode calls in other modes' files (each returns
 * at once when its mode is off): the linker puts them with the default mode's code, so
 * a process that never turns those modes on maps none of their pages (see
 * docs/architecture.md, "Resident memory"). */
#define HG_DEFAULT_TEXT __attribute__((section(".text.hot.hg_default")))
/* The same for variables those hooks write in every mode: they go to .data, whose page
 * the default mode writes anyway, not to a page of .bss of their own. */
#define HG_DEFAULT_DATA __attribute__((section(".data.hg_default")))
/* On variables that the other modes' fork handlers write at every fork (their locks,
 * what a child resets) or that every fork child reads: .data, one page, resident in
 * every process (its relocations write it), not seven pages of .bss that parent and
 * child each fault in again at every fork (sampled mode after its first sample: 12
 * page faults a fork more than the default mode, now 2). */
#define HG_FORK_DATA __attribute__((section(".data.hg_fork")))
/* On declarations of the library's own data (extern in headers): -fvisibility=hidden
 * covers definitions only, so without it the compiler reaches such data through the
 * GOT, a load more on every fast path. */
#define HG_HIDDEN      __attribute__((visibility("hidden")))
/* A symbol the library exports (malloc, free, the hg_* API, the libc functions it
 * stands in for): the build hides everything else (-fvisibility=hidden). */
#define HG_EXPORT      __attribute__((visibility("default")))
/* An exported second name for a function (glibc's __libc_malloc for malloc...).  copy()
 * gives it the target's attributes (malloc, alloc_size, nothrow, ...); clang does not
 * know copy(), and an alias without them is still the same function. */
#if defined(__clang__)
#define HG_ALIAS(name) __attribute__((alias(#name), visibility("default")))
#else
#define HG_ALIAS(name) __attribute__((alias(#name), copy(name), visibility("default")))
#endif

/* Linked from libheapguard.a, every object of the library that is taken brings api.c's
 * (malloc and the rest of glibc's malloc.o names): a program that calls, say, signal()
 * or _exit() but never malloc itself (libc's printf does) would otherwise take glibc's
 * malloc.o too, and the link fails on the names both define (__libc_mallinfo...).  An
 * undefined global symbol is enough for the linker to take the archive member. */
__asm__(".globl malloc");

/* The allocator's page is the x86-64/arm64 base page; init checks the kernel agrees. */
#define HG_PAGE_SHIFT 12
#define HG_PAGE       ((size_t)1 << HG_PAGE_SHIFT)
#define HG_ALIGNMENT  16                       /* glibc's MALLOC_ALIGNMENT on 64-bit */
#define HG_KiB        ((size_t)1024)
#define HG_MiB        (1024 * HG_KiB)

/* Requests above this fail with ENOMEM, as in glibc (object sizes fit ptrdiff_t). */
#define HG_MAX_REQUEST ((size_t)PTRDIFF_MAX - 2 * HG_MiB)

static inline size_t hg_align_up(size_t n, size_t a) { return (n + a - 1) & ~(a - 1); }
/* __builtin_popcountll without -mpopcnt is a call to libgcc's __popcountdi2, which the
 * linker puts at the far end of the text: one call from the default mode's paths maps a
 * 64 KiB window of the library's pages more.  The same bit trick, inline. */
static inline unsigned hg_popcount64(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555u);
  x = (x & 0x3333333333333333u) + ((x >> 2) & 0x3333333333333333u);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fu;
  return (unsigned)((x * 0x0101010101010101u) >> 56);
}
static inline uintptr_t hg_page_of(const void *p) { return (uintptr_t)p >> HG_PAGE_SHIFT; }

/* HG_ASSERT: internal invariants, checked in debug builds only (MODE=debug/ubsan). */
#ifdef HG_DEBUG
#define HG_ASSERT(c) ((c) ? (void)0 : hg_assert_fail(#c, __FILE__, __LINE__))
#else
#define HG_ASSERT(c) ((void)0)
#endif

/* ---- report.c: output without libc, fatal errors ------------------------------------ */
/* hg_format: a small printf into buf (never allocates).  snprintf's integer, string and
 * character conversions (%d %i %u %o %x %X %c %s %p %%) with its flags (- 0 # + space),
 * width and precision (also *) and length modifiers (hh h l ll z t j); %p is 0x-prefixed
 * hex, also for NULL.  Floating-point conversions are consumed and shown as written, %n
 * is consumed and never stores.  Always NUL-terminates; returns the length written. */
size_t hg_format(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
size_t hg_vformat(char *buf, size_t size, const char *fmt, __builtin_va_list ap);
/* A buffered writer to fd, in the caller's buffer (stats tables, the XML document):
 * hg_ob_put and hg_ob_printf (at most 511 bytes a call) fill it, writing it out when
 * full; hg_ob_flush writes the rest.  After a write fails nothing more is written. */
struct hg_ob {
  int fd;
  char *buf;
  size_t cap, len;
  int error;   /* the first write that failed (ENOSPC, EFBIG, EIO...) */
};
void hg_ob_flush(struct hg_ob *o);
void hg_ob_put(struct hg_ob *o, const char *s, size_t n);
void hg_ob_printf(struct hg_ob *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* hg_write_all: all n bytes to fd (restarting after EINTR), errno kept; 0, or the error
 * of the write that failed (ENOSPC, EIO, EBADF...; EIO for a write of nothing). */
int hg_write_all(int fd, const char *s, size_t n);
/* Whether fd is a report file that is a FIFO or a socket (hg_report_open), whose reader
 * may go: hg_write_all blocks SIGPIPE around its writes to one (the program is not
 * killed for heapguard's output; EPIPE is the file refusing the line).  For a write of
 * its own, a caller brackets it with hg_sigpipe_block (false: not blocked) and
 * hg_sigpipe_restore(old mask, the write's error), which takes the SIGPIPE an EPIPE
 * raised unless the program had SIGPIPE blocked already. */
bool hg_is_pipe_output(int fd);
bool hg_sigpipe_block(uint64_t *old);
void hg_sigpipe_restore(uint64_t old, int error);
/* open(2), read(2), write(2) and close(2) as plain system calls, errno set as libc's.
 * libc's are cancellation points, and glibc's malloc never is one (its internals use
 * their _nocancel forms): a thread with a cancellation pending (pthread_cancel, deferred)
 * must not end inside malloc, mallinfo2 or a report, holding a lock of ours. */
int hg_sys_open(const char *path, int flags);
long hg_sys_read(int fd, void *buf, size_t n);
long hg_sys_write(int fd, const void *buf, size_t n);
void hg_sys_close(int fd);
/* A program at its limit of open files (RLIMIT_NOFILE's soft limit: a descriptor leak,
 * or a sandbox's `ulimit -n`) has no descriptor to lend the library: the leak scan's
 * /proc/self/maps and libdw's reads of the program's files (a report's symbols) failed,
 * and the scan was skipped.  hg_files_raise lifts the soft limit by up to 64, never past
 * the hard one, for the time of a report or an open; true (*old: the limit to put back
 * with hg_files_restore) if it did.  errno is kept. */
bool hg_files_raise(uint64_t *old);
void hg_files_restore(uint64_t old);
/* hg_pid_path: a file name option (HEAPGUARD_LOG_FILE, _TRACE, _STATS_FILE,
 * _TIMELINE) into out, with %p replaced by pid, %u by the process's effective user id
 * now (a process that changed user since it last opened the file gets another: one it
 * may create, where the first one's owner's is not its to write) and %% by %; true if
 * pattern had a %p (one file per process).  out may be NULL to ask only that.  A name that does not
 * fit in size bytes is not cut: out is left empty (""). */
bool hg_pid_path(char *out, size_t size, const char *pattern, int pid);
/* hg_stderr_copy: a close-on-exec copy of fd 2, at 500 or above if it can (out of the
 * way of programs that dup2 onto low descriptors), else anywhere; 2 if none.  Reports
 * written to it survive the program closing its stderr (coreutils do before exit). */
int hg_stderr_copy(void);
/* hg_file_id: the file a descriptor of the library's is open on (device, inode); with
 * hg_file_same, whether the number still is that file.  A program that closes every
 * descriptor it did not open (close_range(3, ~0U), closefrom, a loop of close: daemons)
 * and opens files of its own may get such a number, and the library's output went into
 * the program's file.  One statx each (fstat where statx is refused); a failed one (a
 * closed number) is never the same. */
struct hg_file_id { uint64_t dev, ino; };
void hg_file_id(int fd, struct hg_file_id *id);
bool hg_file_same(int fd, const struct hg_file_id *id);
/* hg_report_open: the file a report option names for this process (pattern as for
 * hg_pid_path), open for appending at a descriptor of 500 or above if it can be, or -1
 * (with a message naming `what`).  The first process of a run to open a shared name
 * holds an flock on it for its life, so the run's others know they are not first (a
 * per-process name is always its process's first).  The first empties the file when
 * it is a leftover of an earlier run — last written before this process started: what
 * this process wrote before an exec (same pid, same start time) or the run's other
 * processes wrote is kept — or, with HG_REPORT_RESTART, whatever it holds (a file that
 * is one record per run); with HG_REPORT_FIRST_ONLY, any process of the run but the
 * first gets -1.  The message says the caller writes to stderr instead, unless
 * HG_REPORT_NO_STDERR (the caller then writes nothing).  With HG_REPORT_ALONE, a file
 * that another process of the run holds (its flock, with HG_REPORT_FIRST_ONLY) is not
 * opened: -1, after a message saying so (a file that is one document, which a second
 * writer would spoil). */
#define HG_REPORT_RESTART    1u
#define HG_REPORT_FIRST_ONLY 2u
#define HG_REPORT_NO_STDERR  4u
#define HG_REPORT_ALONE      8u
int hg_report_open(const char *pattern, const char *what, unsigned flags);
/* ": <what the error means>" for the errors a report file meets (open and write), ""
 * for others: a message's "(error 28: no space left on device)".  Not strerror, which
 * may allocate (a locale's catalogue). */
const char *hg_error_words(int error);
/* hg_message: "heapguard: <text>\n" on stderr, formatted without allocating. */
void hg_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* hg_fatal: print "heapguard: <text>" and abort with SIGABRT.  Used for every detected
 * heap corruption or misuse: a hardened allocator never continues after one. */
HG_NORETURN HG_COLD void hg_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
HG_NORETURN HG_COLD void hg_assert_fail(const char *expr, const char *file, int line);

#endif

/* trace.c — the trace's output, its lines, and call tracing (see trace.h); the lines'
 * text is trace_format.c's. */
#define _GNU_SOURCE
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "guard.h"
#include "heap.h"
#include "lock.h"
#include "options.h"
#include "pagemap.h"
#include "region.h"
#include "span.h"
#include "trace_format.h"

bool hg_trace_on, hg_trace_calls;
__thread struct hg_trace_ctx hg_trace_ctx;
__thread int hg_trace_depth;
static __thread int cached_tid;

/* The trace's output: a file (HEAPGUARD_TRACE), else a copy of stderr.  -1 once the
 * file refused a line (out_failed); any thread reads it, without the call lock. */
static int out_fd = -1;
static bool out_is_file;
static int failed_fd = -1;   /* the file out_fd was, after it refused a line */
static int err_fd = -1;      /* with a file: a copy of stderr, to say the file failed */
/* The files out_fd and err_fd were opened on (hg_file_id), checked before each write:
 * written only by the thread that swapped out_fd to -1 (out_reopen), so a reader that
 * sees them half-written only goes the cold way, which checks again. */
static struct hg_file_id out_id, err_id;
static int pid;
static uint64_t start_ns;

#define LINE_MAX_BYTES 512

/* ---- output --------------------------------------------------------------------------- */

static void open_output(void) {
  int saved = errno;
  const char *name = hg_opt.trace;
  int fd = -1;
  /* Appended to: a shared name gets all of a program's processes (a shell and what it
   * runs), a per-process one (%p) keeps what the process traced before an exec; a file
   * left by an earlier run is emptied first (hg_report_open). */
  if (name && __builtin_strcmp(name, "stderr") != 0) fd = hg_report_open(name, "trace", 0);
  out_is_file = fd >= 0;
  /* A copy of stderr survives the program closing fd 2 (coreutils do before exit): the
   * trace itself without a file, else the word that the file failed (out_failed). */
  if (err_fd < 0) {
    err_fd = hg_stderr_copy();
    hg_file_id(err_fd, &err_id);
  }
  out_fd = fd >= 0 ? fd : err_fd;
  hg_file_id(out_fd, &out_id);
  errno = saved;
}

/* err_fd, copied again from the program's fd 2 if the program closed it or its
 * number is another file now. */
static int stderr_checked(void) {
  if (!hg_file_same(err_fd, &err_id)) {
    err_fd = hg_stderr_copy();
    hg_file_id(err_fd, &err_id);
  }
  return err_fd;
}

/* The trace file refused a line (a full disk, /dev/full, a file size limit, EIO): one
 * line on stderr says so and the trace stops, rather than losing lines silently from
 * here on (and failing a write per kernel call).  It does not go on on stderr, as the
 * log does: a trace is a line per kernel call or per malloc, which would drown the
 * program's own output.  Any thread may get here; the one that clears out_fd says so,
 * once.  A trace on stderr loses the line, as before: there is nowhere to say it. */
static HG_COLD void out_failed(int fd, int error) {
  int expected = fd;
  if (!out_is_file ||
      !__atomic_compare_exchange_n(&out_fd, &expected, -1, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
    return;
  failed_fd = fd;
  char line[4352];
  size_t n = hg_format(line, sizeof line, "heapguard: cannot write the trace file ");
  hg_pid_path(line + n, 4096, hg_opt.trace, pid);
  n += __builtin_strlen(line + n);
  n += hg_format(line + n, sizeof line - n - 1, " (error %d%s): the trace stops here", error,
                 hg_error_words(error));
  line[n++] = '\n';
  hg_write_all(stderr_checked(), line, n);
}

/* The trace's descriptor is no longer its file: a program that closes every descriptor
 * it did not open (close_range(3, ~0U), closefrom, a loop of close: daemons do at
 * start) closed it, stderr's copy too, and may have opened files of its own since, one
 * of which got the number (its 500th open; its 4th under `ulimit -n` below 500, where
 * the copy could not go high).  The trace went on nowhere, or into the program's file.
 * Each write checks first (out_checked: one statx, about a tenth of a traced kernel
 * call's cost, docs/architecture.md) and on a write's EBADF (closed between the check
 * and the write) the file is opened again by its name (appended to), or stderr copied
 * again from the program's fd 2, and the line written there.  The stale number is left
 * alone: it is the program's now.  The thread that swaps out_fd reopens; another one
 * writing meanwhile loses its line.  Returns the new descriptor, or -1 (the trace
 * stops, as out_failed says). */
static HG_COLD int out_reopen(int stale) {
  int expected = stale;
  if (!__atomic_compare_exchange_n(&out_fd, &expected, -1, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
    return expected;
  int saved = errno;
  if (hg_file_same(stale, &out_id)) {   /* out_id was read half-written: still ours */
    __atomic_store_n(&out_fd, stale, __ATOMIC_RELAXED);
    errno = saved;
    return stale;
  }
  stderr_checked();
  int fd = out_is_file ? hg_report_open(hg_opt.trace, "trace", 0) : err_fd;
  if (fd < 0) {   /* hg_report_open said why: the trace goes on on stderr */
    out_is_file = false;
    fd = err_fd;
  }
  hg_file_id(fd, &out_id);
  __atomic_store_n(&out_fd, fd, __ATOMIC_RELAXED);
  errno = saved;
  return fd;
}

static int out_checked(int fd) {
  return hg_likely(hg_file_same(fd, &out_id)) ? fd : out_reopen(fd);
}

static void write_out(int fd, const char *s, size_t n) {
  if (hg_unlikely((fd = out_checked(fd)) < 0)) return;
  int error = hg_write_all(fd, s, n);
  if (hg_unlikely(error == EBADF) && (fd = out_reopen(fd)) >= 0) error = hg_write_all(fd, s, n);
  if (hg_unlikely(error)) out_failed(fd, error);
}

/* ---- lines ------------------------------------------------------------------------------ */

static int current_tid(void) {
  if (!cached_tid) cached_tid = (int)gettid();
  return cached_tid;
}

static void add_prefix(struct hg_trace_buf *b, uint64_t ns) {
  hg_trace_format_prefix(b, pid, current_tid(), (ns - start_ns) / 1000);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Kernel-call lines made during a traced call wait here (under the trace lock) and are
 * written after the call's line. */
static hg_lock_t call_lock = HG_LOCK_INIT;
static char pending[16 * 1024];
static size_t pending_len;
static uint64_t call_start;
static int call_errno;

/* One line out: inside a traced call (this thread holds the call lock) kept with the
 * call's kernel calls, to follow the call's own line; else written at once. */
static void emit(int fd, const char *line, size_t len) {
  if (hg_trace_depth && pending_len + len <= sizeof pending) {
    __builtin_memcpy(pending + pending_len, line, len);
    pending_len += len;
  } else {
    write_out(fd, line, len);
  }
}

void hg_trace_syscall(unsigned sys, long ret, unsigned why, size_t why_arg, const long args[6]) {
  int saved = errno;
  struct hg_trace_ctx c = hg_trace_ctx;
  if (why == HG_WHY_NONE) {
    why = c.why;
    hg_trace_ctx.why = HG_WHY_NONE;
  } else {
    c.a = why_arg;
  }
  int fd = __atomic_load_n(&out_fd, __ATOMIC_RELAXED);
  if (hg_unlikely(fd < 0)) return;   /* the file refused an earlier line (out_failed) */
  char line[LINE_MAX_BYTES];
  struct hg_trace_buf b = { line, sizeof line - 1, 0 };
  add_prefix(&b, now_ns());
  hg_trace_format_syscall(&b, hg_trace_depth, sys, args, ret, why, &c);
  if (b.len > b.size) b.len = b.size;
  line[b.len++] = '\n';
  emit(fd, line, b.len);
  errno = saved;
}

void hg_trace_note(const char *fmt, ...) {
  int saved = errno;
  int fd = __atomic_load_n(&out_fd, __ATOMIC_RELAXED);
  if (hg_unlikely(fd < 0)) return;
  char line[LINE_MAX_BYTES];
  struct hg_trace_buf b = { line, sizeof line - 1, 0 };
  add_prefix(&b, now_ns());
  b.len += hg_format(b.p + b.len, b.size - b.len, "# ");
  va_list ap;
  va_start(ap, fmt);
  if (b.len < b.size) b.len += hg_vformat(b.p + b.len, b.size - b.len, fmt, ap);
  va_end(ap);
  if (b.len > b.size) b.len = b.size;
  line[b.len++] = '\n';
  emit(fd, line, b.len);
  errno = saved;
}

/* ---- calls ------------------------------------------------------------------------------ */

static struct hg_heap trace_heap;   /* every small block, in call-tracing mode */

void hg_trace_call_enter(void) {
  hg_lock(&call_lock);
  hg_trace_depth++;
  call_start = now_ns();
  call_errno = errno;
  errno = 0;   /* to tell whether the call set it */
}

/* writev as a plain system call (libc's is a cancellation point), SIGPIPE blocked for
 * a trace file that is a FIFO or a socket (hg_is_pipe_output: its reader may go). */
static ssize_t writev_out(int fd, const struct iovec *iov, int n) {
  uint64_t mask;
  bool quiet = hg_unlikely(hg_is_pipe_output(fd)) && hg_sigpipe_block(&mask);
  ssize_t w = syscall(SYS_writev, fd, iov, n);
  if (quiet) {
    int error = w < 0 ? errno : 0;
    hg_sigpipe_restore(mask, error);
    if (w < 0) errno = error;   /* (the restore's calls may have set it) */
  }
  return w;
}

/* A call's line, then the kernel-call lines it made (pending), in one write if it can. */
static void write_call(int fd, const char *line, size_t len) {
  if (hg_unlikely((fd = out_checked(fd)) < 0)) return;
  struct iovec iov[2] = { { (void *)line, len }, { pending, pending_len } };
  ssize_t w = writev_out(fd, iov, pending_len ? 2 : 1);
  if (hg_likely(w >= 0 && (size_t)w == len + pending_len)) return;
  if (w < 0 && errno == EBADF && (fd = out_reopen(fd)) >= 0) {   /* closed under us: nothing written */
    w = writev_out(fd, iov, pending_len ? 2 : 1);
    if (w >= 0 && (size_t)w == len + pending_len) return;
  }
  /* a short write (or none: interrupted, or a full non-blocking stderr, which
   * hg_write_all waits for): the rest, in order; or the write's error */
  int error = w < 0 && errno != EINTR && errno != EAGAIN ? errno : 0;
  size_t done = w > 0 ? (size_t)w : 0;
  if (!error && done < len) {
    error = hg_write_all(fd, line + done, len - done);
    done = len;
  }
  if (!error) error = hg_write_all(fd, pending + (done - len), pending_len - (done - len));
  if (error) out_failed(fd, error);
}

static void call_leave(const char *fmt, va_list ap, const char *result_fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void call_leave(const char *fmt, va_list ap, const char *result_fmt, ...) {
  int err = errno;
  char line[LINE_MAX_BYTES];
  struct hg_trace_buf b = { line, sizeof line - 1, 0 };
  add_prefix(&b, call_start);
  b.len += hg_vformat(b.p + b.len, b.size - b.len, fmt, ap);
  if (b.len > b.size) b.len = b.size;
  va_list rp;
  va_start(rp, result_fmt);
  if (b.len < b.size) b.len += hg_vformat(b.p + b.len, b.size - b.len, result_fmt, rp);
  va_end(rp);
  if (b.len > b.size) b.len = b.size;
  line[b.len++] = '\n';
  int fd = __atomic_load_n(&out_fd, __ATOMIC_RELAXED);
  if (hg_likely(fd >= 0)) write_call(fd, line, b.len);   /* else the file refused a line */
  pending_len = 0;
  errno = err ? err : call_errno;
  hg_trace_depth--;
  hg_unlock(&call_lock);
}

void *hg_trace_call_ptr(void *result, const char *fmt, ...) {
  const char *name = NULL;
  if (!result && errno == ENOMEM) name = "ENOMEM";
  else if (!result && errno == EINVAL) name = "EINVAL";
  va_list ap;
  va_start(ap, fmt);
  if (!result && name) call_leave(fmt, ap, " = NULL (%s)", name);
  else if (!result) call_leave(fmt, ap, " = NULL");
  else call_leave(fmt, ap, " = %p", result);
  va_end(ap);
  return result;
}

int hg_trace_call_int(int result, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (result == ENOMEM) call_leave(fmt, ap, " = %d (ENOMEM)", result);
  else if (result == EINVAL) call_leave(fmt, ap, " = %d (EINVAL)", result);
  else call_leave(fmt, ap, " = %d", result);
  va_end(ap);
  return result;
}

void hg_trace_call_void(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  call_leave(fmt, ap, "%s", "");
  va_end(ap);
}

void hg_trace_free_null(void) {
  if (hg_trace_depth) return;
  hg_trace_call_enter();
  hg_trace_call_void("free(%p)", (void *)0);
}

/* The divert: every malloc of a small block and every free (threads have no heap). */
static void *quiet_alloc(size_t n) { return hg_heap_alloc_in(&trace_heap, n); }

static void quiet_free(void *p) {
  /* A block sampled by guard mode lies outside the page map (as in hg_heap_free_slow). */
  if (hg_unlikely(hg_guard_sampling) && !hg_pagemap_get(p) && hg_guard_sample_free(p)) return;
  struct hg_span *s;
  hg_block_usable(p, "free", &s);   /* aborts with a diagnosis unless p is a live block */
  if (s->kind == HG_SPAN_SMALL) hg_heap_free_local(&trace_heap, s, p);
  else if (s->kind == HG_SPAN_MEDIUM) {
    if (!hg_region_free_medium(s, p)) hg_fatal("double free of %p (block already freed)", p);
  } else {
    hg_large_free_checked(s, p);
  }
}

static void *divert_alloc(size_t n) {
  if (hg_trace_depth) return quiet_alloc(n);   /* inside a traced call (realloc, calloc...) */
  hg_trace_call_enter();
  return hg_trace_call_ptr(quiet_alloc(n), "malloc(%zu)", n);
}

static void divert_free(void *p, struct hg_span *s) {
  (void)s;
  if (hg_trace_depth) {
    quiet_free(p);
    return;
  }
  hg_trace_call_enter();
  quiet_free(p);
  hg_trace_call_void("free(%p)", p);
}

static const struct hg_heap_divert trace_divert = { divert_alloc, divert_free };

/* ---- process life ------------------------------------------------------------------------ */

/* The body out of the hot text (HG_COLD): only the test runs in every process. */
static HG_COLD void trace_start(void) {
  pid = (int)getpid();
  start_ns = now_ns();
  open_output();
  if (hg_opt.trace_calls) {
    if (hg_heap_divert) {
      hg_message("HEAPGUARD_TRACE_CALLS is ignored in check and guard modes: tracing kernel calls only");
    } else {
      hg_heap_init_private(&trace_heap);
      hg_heap_divert = &trace_divert;
      hg_trace_calls = true;
    }
  }
  hg_trace_on = true;
}

HG_DEFAULT_TEXT void hg_trace_init(void) {
  if (hg_opt.trace || hg_opt.trace_calls) trace_start();
}

void hg_trace_fork_prepare(void) {
  if (hg_trace_calls) hg_lock_fork(&call_lock);
}

void hg_trace_fork_parent(void) {
  if (hg_trace_calls) hg_unlock_fork(&call_lock);
}

void hg_trace_fork_child(void) {
  if (!hg_trace_on) return;
  if (hg_trace_calls) hg_lock_reset(&call_lock);
  pid = (int)getpid();
  cached_tid = 0;
  pending_len = 0;
  /* a per-process file name: the child gets a file of its own (a new start if the
   * parent's refused a line) */
  int fd = out_fd >= 0 ? out_fd : failed_fd;
  if (hg_opt.trace && hg_pid_path(NULL, 0, hg_opt.trace, 0) && fd > 2) {
    if (fd != err_fd && hg_file_same(fd, &out_id)) hg_sys_close(fd);   /* else the program's now */
    failed_fd = -1;
    open_output();
  }
}

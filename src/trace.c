/* trace.c — the trace's output, its lines, and call tracing (see trace.h). */
#define _GNU_SOURCE
#include "trace.h"

#include <errno.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "heap.h"
#include "lock.h"
#include "options.h"
#include "pagemap.h"
#include "region.h"
#include "span.h"

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
  if (err_fd < 0) err_fd = hg_stderr_copy();
  out_fd = fd >= 0 ? fd : err_fd;
  errno = saved;
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
  n += hg_format(line + n, sizeof line - n - 1, " (error %d): the trace stops here", error);
  line[n++] = '\n';
  hg_write_all(err_fd, line, n);
}

static void write_out(int fd, const char *s, size_t n) {
  int error = hg_write_all(fd, s, n);
  if (hg_unlikely(error)) out_failed(fd, error);
}

/* ---- formatting -------------------------------------------------------------------------- */

struct buf { char *p; size_t size, len; };

static void add(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct buf *b, const char *fmt, ...) {
  if (b->len >= b->size) return;
  va_list ap;
  va_start(ap, fmt);
  b->len += hg_vformat(b->p + b->len, b->size - b->len, fmt, ap);
  va_end(ap);
}

/* "100 bytes", "132 KiB", "1.5 MiB", "1028 KiB", "2 GiB". */
static void add_bytes(struct buf *b, size_t v) {
  static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
  if (v < HG_KiB) {
    add(b, "%zu byte%s", v, v == 1 ? "" : "s");
    return;
  }
  unsigned u = 0;
  size_t unit = HG_KiB;
  while (u < 3 && v >= unit * 1024) { unit *= 1024; u++; }
  if (v % unit == 0) {
    add(b, "%zu %s", v / unit, units[u]);
  } else if ((v * 10) % unit == 0) {
    add(b, "%zu.%zu %s", v / unit, (v * 10 / unit) % 10, units[u]);
  } else if (u > 0 && v % (unit / 1024) == 0 && v / (unit / 1024) < 100000) {
    add(b, "%zu %s", v / (unit / 1024), units[u - 1]);   /* exact in the smaller unit */
  } else {
    size_t tenths = (v * 10 + unit / 2) / unit;
    add(b, "%zu.%zu %s", tenths / 10, tenths % 10, units[u]);
  }
}

/* "a 100-byte block", "a 256 KiB block". */
static void add_block(struct buf *b, size_t n) {
  if (n < HG_KiB || n % HG_KiB) {
    add(b, "a %zu-byte block", n);
  } else {
    add(b, "a ");
    add_bytes(b, n);
    add(b, " block");
  }
}

static void add_addr(struct buf *b, long a) {
  if (a == 0) add(b, "NULL");
  else add(b, "%p", (void *)a);
}

struct flag { long bit; const char *name; };

static void add_flags(struct buf *b, long v, const struct flag *f, size_t n, const char *none) {
  if (v == 0 && none) {
    add(b, "%s", none);
    return;
  }
  bool first = true;
  for (size_t i = 0; i < n; i++) {
    if ((v & f[i].bit) == f[i].bit && f[i].bit) {
      add(b, "%s%s", first ? "" : "|", f[i].name);
      v &= ~f[i].bit;
      first = false;
    }
  }
  if (v || first) add(b, "%s0x%lx", first ? "" : "|", (unsigned long)v);
}

static const struct flag prot_flags[] = {
  { PROT_READ, "PROT_READ" }, { PROT_WRITE, "PROT_WRITE" }, { PROT_EXEC, "PROT_EXEC" },
};
static const struct flag map_flags[] = {
  { MAP_SHARED, "MAP_SHARED" }, { MAP_PRIVATE, "MAP_PRIVATE" }, { MAP_FIXED, "MAP_FIXED" },
  { MAP_ANONYMOUS, "MAP_ANONYMOUS" }, { MAP_GROWSDOWN, "MAP_GROWSDOWN" },
  { MAP_NORESERVE, "MAP_NORESERVE" }, { MAP_POPULATE, "MAP_POPULATE" },
  { MAP_STACK, "MAP_STACK" }, { MAP_HUGETLB, "MAP_HUGETLB" },
  { MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE" },
};
static const struct flag remap_flags[] = {
  { MREMAP_MAYMOVE, "MREMAP_MAYMOVE" }, { MREMAP_FIXED, "MREMAP_FIXED" },
};
#define N(a) (sizeof(a) / sizeof *(a))

static const char *advice_name(long a) {
  switch (a) {
  case MADV_NORMAL: return "MADV_NORMAL";
  case MADV_RANDOM: return "MADV_RANDOM";
  case MADV_SEQUENTIAL: return "MADV_SEQUENTIAL";
  case MADV_WILLNEED: return "MADV_WILLNEED";
  case MADV_DONTNEED: return "MADV_DONTNEED";
  case MADV_FREE: return "MADV_FREE";
  case MADV_DONTFORK: return "MADV_DONTFORK";
  case MADV_DOFORK: return "MADV_DOFORK";
  case MADV_HUGEPAGE: return "MADV_HUGEPAGE";
  case MADV_NOHUGEPAGE: return "MADV_NOHUGEPAGE";
  case MADV_DONTDUMP: return "MADV_DONTDUMP";
  case MADV_DODUMP: return "MADV_DODUMP";
  case 102: return "MADV_GUARD_INSTALL";   /* Linux 6.13 */
  default: return NULL;
  }
}

/* strace's way of showing a failed call: "-1 ENOMEM (Cannot allocate memory)". */
static void add_error(struct buf *b, long err) {
  static const struct { int no; const char *name, *text; } errs[] = {
    { ENOMEM, "ENOMEM", "Cannot allocate memory" },
    { EAGAIN, "EAGAIN", "Resource temporarily unavailable" },
    { EINVAL, "EINVAL", "Invalid argument" },
    { EFAULT, "EFAULT", "Bad address" },
    { EPERM, "EPERM", "Operation not permitted" },
    { EACCES, "EACCES", "Permission denied" },
    { EBADF, "EBADF", "Bad file descriptor" },
  };
  for (size_t i = 0; i < N(errs); i++)
    if (errs[i].no == err) {
      add(b, "-1 %s (%s)", errs[i].name, errs[i].text);
      return;
    }
  add(b, "-1 E%ld", err);
}

static void add_call(struct buf *b, unsigned sys, const long *a, long ret) {
  switch (sys) {
  case HG_SYS_BRK:
    add(b, "brk(");
    add_addr(b, a[0]);
    add(b, ") = %p", (void *)ret);   /* brk returns the break, even when it refuses */
    return;
  case HG_SYS_MMAP:
    add(b, "mmap(");
    add_addr(b, a[0]);
    add(b, ", %lu, ", (unsigned long)a[1]);
    add_flags(b, a[2], prot_flags, N(prot_flags), "PROT_NONE");
    add(b, ", ");
    add_flags(b, a[3], map_flags, N(map_flags), NULL);
    add(b, ", %d, %ld)", (int)a[4], a[5]);
    break;
  case HG_SYS_MUNMAP:
    add(b, "munmap(");
    add_addr(b, a[0]);
    add(b, ", %lu)", (unsigned long)a[1]);
    break;
  case HG_SYS_MADVISE: {
    const char *advice = advice_name(a[2]);
    add(b, "madvise(");
    add_addr(b, a[0]);
    if (advice) add(b, ", %lu, %s)", (unsigned long)a[1], advice);
    else add(b, ", %lu, %ld)", (unsigned long)a[1], a[2]);
    break;
  }
  case HG_SYS_PROCESS_MADVISE: {   /* (pidfd, iov, n, advice, flags): the first pages shown */
    const struct iovec *iov = (const struct iovec *)a[1];
    const char *advice = advice_name(a[3]);
    add(b, "process_madvise(%d, [", (int)a[0]);
    for (long i = 0; i < a[2] && i < 3; i++) {
      add(b, i ? ", {" : "{");
      add_addr(b, (long)iov[i].iov_base);
      add(b, ", %lu}", (unsigned long)iov[i].iov_len);
    }
    if (a[2] > 3) add(b, ", ...");
    if (advice) add(b, "], %ld, %s, 0)", a[2], advice);
    else add(b, "], %ld, %ld, 0)", a[2], a[3]);
    break;
  }
  case HG_SYS_MREMAP:
    add(b, "mremap(");
    add_addr(b, a[0]);
    add(b, ", %lu, %lu, ", (unsigned long)a[1], (unsigned long)a[2]);
    add_flags(b, a[3], remap_flags, N(remap_flags), "0");
    add(b, ")");
    break;
  case HG_SYS_MPROTECT:
    add(b, "mprotect(");
    add_addr(b, a[0]);
    add(b, ", %lu, ", (unsigned long)a[1]);
    add_flags(b, a[2], prot_flags, N(prot_flags), "PROT_NONE");
    add(b, ")");
    break;
  default:
    add(b, "syscall?()");
    break;
  }
  add(b, " = ");
  if (ret < 0 && ret > -4096) add_error(b, -ret);
  else if (sys == HG_SYS_MMAP || sys == HG_SYS_MREMAP) add(b, "%p", (void *)ret);
  else add(b, "%ld", ret);
}

/* ---- reasons --------------------------------------------------------------------------- */

static void add_for_request(struct buf *b, size_t request) {
  if (request) {
    add(b, " for ");
    add_block(b, request);
  }
}

static void add_giving_back(struct buf *b, unsigned sys, const struct hg_trace_ctx *c, size_t bytes) {
  bool shrink = sys == HG_SYS_BRK;
  if (c->cause == HG_CAUSE_TRIM) {
    add(b, shrink ? "malloc_trim: shrink heap by " : "malloc_trim: return ");
    add_bytes(b, bytes);
    add(b, shrink ? ", free at its top" : " of free pages");
    return;
  }
  add(b, shrink ? "shrink heap: " : "return ");
  add_bytes(b, bytes);
  switch (c->cause) {
  case HG_CAUSE_IDLE:
    if (hg_opt.decay_ms == 0) {
      add(b, shrink ? " free at its top" : " of free pages");
      add(b, " (HEAPGUARD_DECAY_MS=0: at once)");
    } else {
      add(b, shrink ? " idle at its top" : " of idle pages");
      add(b, " (free for %zu ms)", c->idle_ms);
    }
    break;
  case HG_CAUSE_CAP:
    add(b, shrink ? " free at its top" : " of free pages");
    add(b, ": more than ");
    add_bytes(b, hg_opt.dirty_max);
    add(b, " free and resident");
    break;
  case HG_CAUSE_NOW:
    add(b, shrink ? " free at its top" : " of free pages");
    add(b, " (HEAPGUARD_DECAY_MS=0: at once)");
    break;
  default:
    break;
  }
}

static void add_reason(struct buf *b, unsigned sys, const long *a, unsigned why, const struct hg_trace_ctx *c) {
  switch (why) {
  case HG_WHY_BRK_READ:
    add(b, "libc reads the program break: the heap's first use");
    return;
  case HG_WHY_HEAP_GROW:   /* a[1]: the increment asked of sbrk */
    add(b, "grow heap by ");
    add_bytes(b, (size_t)a[1]);
    add_for_request(b, c->request);
    if (c->a) {
      add(b, " (");
      add_bytes(b, c->a);
      if (c->b) {
        add(b, " needed; the growth step was refused)");
      } else {
        add(b, " needed + the ");
        add_bytes(b, hg_opt.heap_step);
        add(b, " growth step)");
      }
    }
    return;
  case HG_WHY_HEAP_UNDO:
    add(b, "undo the heap's growth: no memory for its page map");
    return;
  case HG_WHY_REGION_MAP:
    add(b, "map a ");
    add_bytes(b, (size_t)a[1]);
    add(b, " region for small and medium blocks");
    add_for_request(b, c->request);
    add(b, hg_opt.use_brk ? ": the heap cannot grow with brk" : " (HEAPGUARD_BRK=0: no brk heap)");
    return;
  case HG_WHY_REGION_UNDO:
    add(b, "give the region back: no memory for its records");
    return;
  case HG_WHY_SHRINK:
  case HG_WHY_PURGE:
    add_giving_back(b, sys, c, (size_t)a[1]);   /* brk: a[1] is the decrement */
    return;
  case HG_WHY_LARGE_MAP:
    add(b, "map ");
    add_block(b, c->a);
    if (c->a >= hg_opt.mmap_threshold && hg_opt.mmap_threshold % HG_KiB == 1) {
      add(b, " above the mmap threshold (raised above ");   /* glibc's dynamic threshold */
      add_bytes(b, hg_opt.mmap_threshold - 1);
      add(b, " by an earlier free)");
    } else if (c->a >= hg_opt.mmap_threshold) {
      add(b, c->a == hg_opt.mmap_threshold ? " at the " : " above the ");
      add_bytes(b, hg_opt.mmap_threshold);
      add(b, " mmap threshold");
    } else if (c->b > HG_PAGE) {
      add(b, " aligned to ");
      add_bytes(b, c->b);
    }
    if (c->b > HG_PAGE && (size_t)a[1] > hg_align_up(c->a ? c->a : 1, HG_PAGE)) {
      add(b, " (");
      add_bytes(b, c->b);
      add(b, "-aligned: mapped larger, then trimmed)");
    }
    return;
  case HG_WHY_ALIGN_TRIM:
    add(b, "trim the block's mapping to a ");
    add_bytes(b, c->a);
    add(b, " boundary");
    return;
  case HG_WHY_LARGE_UNDO:
    add(b, "give the mapping back: no memory for its page map entry");
    return;
  case HG_WHY_LARGE_FREE:
    add(b, "free of ");
    add_block(b, c->a);
    add(b, ": its mapping goes back to the kernel");
    if (c->b) {   /* glibc's dynamic threshold: b is the block's size + 1 */
      add(b, "; blocks of its size now come from the heap (the mmap threshold rises above ");
      add_bytes(b, c->b - 1);
      add(b, ")");
    }
    return;
  case HG_WHY_LARGE_RESIZE:
    add(b, "realloc of ");
    add_block(b, c->a);
    add(b, " to ");
    add_bytes(b, c->b);
    add(b, ": the kernel resizes (or moves) its mapping");
    return;
  case HG_WHY_META_CHUNK:
    add(b, "metadata: ");
    add_bytes(b, (size_t)a[1]);
    add(b, " for the allocator's records (span descriptors, heaps, extents), out of band");
    return;
  case HG_WHY_META_LEAF:
    if (sys == HG_SYS_MADVISE)
      add(b, "metadata: keep the page map leaf in small pages (it is touched sparsely)");
    else
      add(b, "metadata: page map leaf (address -> block records for 1 GiB of addresses)");
    return;
  case HG_WHY_META_RECORD:
    add(b, "metadata: a ");
    add_bytes(b, c->a);
    add(b, " record, in a mapping of its own");
    return;
  case HG_WHY_PROTECT:
    add(b, "guard mode: ");
    add_bytes(b, (size_t)a[1]);
    add(b, " made inaccessible (a guard page, or a freed block in quarantine)");
    return;
  case HG_WHY_UNPROTECT:
    add(b, "guard mode: ");
    add_bytes(b, (size_t)a[1]);
    add(b, " made accessible again");
    return;
  default:
    if (hg_check_on)
      add(b, "check/guard mode: its own memory (guarded blocks, block table, quarantine, stacks, leak scan)");
    else
      add(b, "(no reason recorded)");
    return;
  }
}

/* ---- lines ------------------------------------------------------------------------------ */

static int current_tid(void) {
  if (!cached_tid) cached_tid = (int)gettid();
  return cached_tid;
}

static void add_prefix(struct buf *b, uint64_t ns) {
  int tid = current_tid();
  if (tid == pid) add(b, "heapguard[%d] ", pid);
  else add(b, "heapguard[%d/%d] ", pid, tid);
  uint64_t us = (ns - start_ns) / 1000;
  char frac[8];
  hg_format(frac, sizeof frac, "%lu", (unsigned long)(us % 1000000 + 1000000));   /* "1xxxxxx" */
  add(b, "%lu.%s ", (unsigned long)(us / 1000000), frac + 1);
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

#define REASON_COLUMN 58

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
  struct buf b = { line, sizeof line - 1, 0 };
  add_prefix(&b, now_ns());
  size_t start = b.len;
  if (hg_trace_depth) add(&b, "  ");
  add_call(&b, sys, args, ret);
  while (b.len < start + REASON_COLUMN && b.len < b.size) b.p[b.len++] = ' ';
  add(&b, "  # ");
  add_reason(&b, sys, args, why, &c);
  if (b.len > b.size) b.len = b.size;
  line[b.len++] = '\n';
  if (hg_trace_depth && pending_len + b.len <= sizeof pending) {
    __builtin_memcpy(pending + pending_len, line, b.len);
    pending_len += b.len;
  } else {
    write_out(fd, line, b.len);
  }
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

/* A call's line, then the kernel-call lines it made (pending), in one write if it can. */
static void write_call(int fd, const char *line, size_t len) {
  struct iovec iov[2] = { { (void *)line, len }, { pending, pending_len } };
  ssize_t w = writev(fd, iov, pending_len ? 2 : 1);
  if (hg_likely(w >= 0 && (size_t)w == len + pending_len)) return;
  /* a short write (or none, interrupted): the rest, in order; or the write's error */
  int error = w < 0 && errno != EINTR ? errno : 0;
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
  struct buf b = { line, sizeof line - 1, 0 };
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

static void trace_call_void(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void trace_call_void(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  call_leave(fmt, ap, "%s", "");
  va_end(ap);
}

/* The divert: every malloc of a small block and every free (threads have no heap). */
static void *quiet_alloc(size_t n) { return hg_heap_alloc_in(&trace_heap, n); }

static void quiet_free(void *p) {
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

static void divert_free(void *p) {
  if (hg_trace_depth) {
    quiet_free(p);
    return;
  }
  hg_trace_call_enter();
  quiet_free(p);
  trace_call_void("free(%p)", p);
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
  if (hg_trace_calls) hg_lock(&call_lock);
}

void hg_trace_fork_parent(void) {
  if (hg_trace_calls) hg_unlock(&call_lock);
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
    if (fd != err_fd) close(fd);
    failed_fd = -1;
    open_output();
  }
}

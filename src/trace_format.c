/* trace_format.c — the text of `heapguard trace`'s lines (see trace.h): a kernel call
 * as strace prints it, the reason for it in words, the line's prefix.  Pure formatting
 * into the caller's buffer (trace_format.h), with hg_format: no allocation, no output,
 * no state of its own (it reads which mode runs); trace.c writes the lines. */
#define _GNU_SOURCE
#include "trace_format.h"

#include <errno.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "check.h"
#include "diag.h"
#include "guard.h"
#include "options.h"
#include "os.h"

/* ---- formatting -------------------------------------------------------------------------- */

static void add(struct hg_trace_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct hg_trace_buf *b, const char *fmt, ...) {
  if (b->len >= b->size) return;
  va_list ap;
  va_start(ap, fmt);
  b->len += hg_vformat(b->p + b->len, b->size - b->len, fmt, ap);
  va_end(ap);
}

/* "100 bytes", "132 KiB", "1.5 MiB", "1028 KiB", "2 GiB". */
static void add_bytes(struct hg_trace_buf *b, size_t v) {
  static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
  if (v < HG_KiB) {
    add(b, "%zu byte%s", v, v == 1 ? "" : "s");
    return;
  }
  unsigned u = 0;
  size_t unit = HG_KiB;
  while (u < 3 && v >= unit * 1024) { unit *= 1024; u++; }
  /* Tenths from the remainder: v * 10 wraps above 1.6 EiB (a failed brk or mmap of a
   * hostile size, malloc(1 << 62), is traced too); rem * 10 < 10 TiB never does. */
  size_t whole = v / unit, rem = v % unit;
  if (rem == 0) {
    add(b, "%zu %s", whole, units[u]);
  } else if ((rem * 10) % unit == 0) {
    add(b, "%zu.%zu %s", whole, rem * 10 / unit, units[u]);
  } else if (u > 0 && v % (unit / 1024) == 0 && v / (unit / 1024) < 100000) {
    add(b, "%zu %s", v / (unit / 1024), units[u - 1]);   /* exact in the smaller unit */
  } else {
    size_t tenths = (rem * 10 + unit / 2) / unit;   /* 0..10 */
    add(b, "%zu.%zu %s", whole + tenths / 10, tenths % 10, units[u]);
  }
}

/* "a 100-byte block", "a 256 KiB block". */
static void add_block(struct hg_trace_buf *b, size_t n) {
  if (n < HG_KiB || n % HG_KiB) {
    add(b, "a %zu-byte block", n);
  } else {
    add(b, "a ");
    add_bytes(b, n);
    add(b, " block");
  }
}

static void add_addr(struct hg_trace_buf *b, long a) {
  if (a == 0) add(b, "NULL");
  else add(b, "%p", (void *)a);
}

struct flag { long bit; const char *name; };

static void add_flags(struct hg_trace_buf *b, long v, const struct flag *f, size_t n, const char *none) {
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
  case 23: return "MADV_POPULATE_WRITE";   /* Linux 5.14 */
  case 102: return "MADV_GUARD_INSTALL";   /* Linux 6.13 */
  default: return NULL;
  }
}

/* strace's way of showing a failed call: "-1 ENOMEM (Cannot allocate memory)". */
static void add_error(struct hg_trace_buf *b, long err) {
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

static void add_call(struct hg_trace_buf *b, unsigned sys, const long *a, long ret) {
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

static void add_for_request(struct hg_trace_buf *b, size_t request) {
  if (request) {
    add(b, " for ");
    add_block(b, request);
  }
}

static void add_giving_back(struct hg_trace_buf *b, unsigned sys, const struct hg_trace_ctx *c,
                            size_t bytes) {
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
  case HG_CAUSE_EXIT:
  case HG_CAUSE_FREES:
    add(b, shrink ? " free at its top" : " of free pages");
    add(b, c->cause == HG_CAUSE_EXIT ? " at a thread's exit: more than "
                                     : " after big blocks freed one after another: more than ");
    add_bytes(b, hg_opt.trim_threshold);
    add(b, " free and resident");
    break;
  default:
    break;
  }
}

static void add_reason(struct hg_trace_buf *b, unsigned sys, const long *a, unsigned why,
                       const struct hg_trace_ctx *c) {
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
        add(b, hg_os_huge_on ? " growth step, to a 2 MiB boundary)" : " growth step)");
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
      add(b, "metadata: page map leaf (address -> block records for 512 MiB of addresses)");
    return;
  case HG_WHY_META_RECORD:
    add(b, "metadata: a ");
    add_bytes(b, c->a);
    add(b, " record, in a mapping of its own");
    return;
  /* The mode by name (hg_diag_mode): check mode protects its large quarantined
   * blocks, sampled guard mode its pool's slots, guard mode both. */
  case HG_WHY_PROTECT:
    add(b, "%s: ", hg_diag_mode());
    add_bytes(b, (size_t)a[1]);
    add(b, " made inaccessible (a guard page, or a freed block in quarantine)");
    return;
  case HG_WHY_UNPROTECT:
    add(b, "%s: ", hg_diag_mode());
    add_bytes(b, (size_t)a[1]);
    add(b, " made accessible again");
    return;
  case HG_WHY_POPULATE:
    add(b, "%s: ", hg_diag_mode());
    add_bytes(b, (size_t)a[1]);
    add(b, " of fresh slots or block records faulted in at once (each would be written soon)");
    return;
  case HG_WHY_HUGE_PAGES:
    add(b, "%s: ", hg_diag_mode());
    add_bytes(b, (size_t)a[1]);
    add(b, " the quarantine fills, asked for in 2 MiB pages (a fault each, not 512)");
    return;
  default:
    if (hg_check_on)
      add(b, "%s: its own memory (guarded blocks, block table, quarantine, stacks, leak scan)", hg_diag_mode());
    else if (hg_guard_sampling)
      add(b, "sampled guard mode: its own memory (the pool of guarded slots, their index and records, stacks)");
    else
      add(b, "(no reason recorded)");
    return;
  }
}

/* ---- lines ------------------------------------------------------------------------------ */

void hg_trace_format_prefix(struct hg_trace_buf *b, int pid, int tid, uint64_t us) {
  if (tid == pid) add(b, "heapguard[%d] ", pid);
  else add(b, "heapguard[%d/%d] ", pid, tid);
  char frac[8];
  hg_format(frac, sizeof frac, "%lu", (unsigned long)(us % 1000000 + 1000000));   /* "1xxxxxx" */
  add(b, "%lu.%s ", (unsigned long)(us / 1000000), frac + 1);
}

#define REASON_COLUMN 58

void hg_trace_format_syscall(struct hg_trace_buf *b, bool nested, unsigned sys, const long *args, long ret,
                             unsigned why, const struct hg_trace_ctx *c) {
  size_t start = b->len;
  if (nested) add(b, "  ");
  add_call(b, sys, args, ret);
  while (b->len < start + REASON_COLUMN && b->len < b->size) b->p[b->len++] = ' ';
  add(b, "  # ");
  add_reason(b, sys, args, why, c);
}

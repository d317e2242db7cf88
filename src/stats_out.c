/* stats_out.c — stats mode's output: the table (text or JSON) at exit, on
 * hg_stats_print() and on HEAPGUARD_STATS_SIGNAL, and the records of the timeline
 * (JSON Lines, format in docs/stats-format.md), whose file and sampling are timeline.c's.
 * Everything here runs inside malloc or in a signal handler: it formats with hg_format
 * into buffers it owns and writes with write(2), never calling malloc or stdio.
 *
 * Files.  The stats go to a copy of stderr made at start (a program may close fd 2
 * before it exits) or to HEAPGUARD_STATS_FILE.  "%p" in a name becomes the process id:
 * each process writes its own file.  Without it, the processes of one run (a shell and
 * the programs it starts inherit the environment) share the file: the first to open it
 * takes an flock(2) on it for its lifetime; every process appends its stats, and the
 * file is emptied only when an earlier run left it (hg_report_open), so a script's last
 * command run with exec, which takes the lock afresh, keeps the tables written before
 * it.
 *
 * The signal.  The handler prints at once if it can take, without waiting, every lock
 * it needs (the stats lock, then the region's): never the case when it interrupted
 * the allocator's own critical section, so it cannot deadlock.  Otherwise it leaves a
 * flag that the next allocation in any thread honours (hg_stats_tick), or exit. */
#define _GNU_SOURCE
#include "stats.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guard.h"
#include "heapguard.h"
#include "init.h"
#include "meta.h"
#include "options.h"
#include "span.h"
#include "timeline.h"
#include "wipe.h"


static int out_fd = -1;                 /* the stats' output */
static bool out_is_file;                /* out_fd is HEAPGUARD_STATS_FILE's, not err_fd */
static int err_fd = -1;                 /* a copy of stderr (stderr_fd) */
static _Atomic int pending;             /* a signal asked for the stats */
static bool started;                    /* the constructor ran (files open) */
static char program[1024];              /* /proc/self/exe */

/* Output buffers: a static one for lines and tables, a bigger one (metadata memory)
 * for the final JSON with its map of spans; both under the stats lock. */
static char line_buf[32 * 1024];
static char *big_buf;
static size_t big_cap;
static struct hg_stats_span *recs;
static size_t recs_cap;

/* v / 10^digits with `digits` decimals ("12.500"), into buf; returns the length. */
static size_t fixed(char *buf, size_t size, uint64_t v, unsigned digits) {
  uint64_t scale = 1;
  for (unsigned i = 0; i < digits; i++) scale *= 10;
  size_t n = hg_format(buf, size, "%llu.", (unsigned long long)(v / scale));
  uint64_t frac = v % scale;
  for (unsigned i = digits; i-- > 0 && n + 1 < size;) {
    uint64_t d = frac;
    for (unsigned k = 0; k < i; k++) d /= 10;
    buf[n++] = (char)('0' + d % 10);
  }
  buf[n] = '\0';
  return n;
}

static void ob_fixed(struct hg_ob *o, uint64_t v, unsigned digits) {
  char tmp[48];
  hg_ob_put(o, tmp, fixed(tmp, sizeof tmp, v, digits));
}

/* s right-aligned in width columns. */
static void ob_right(struct hg_ob *o, const char *s, size_t width) {
  size_t n = strlen(s);
  for (; n < width; width--) hg_ob_put(o, " ", 1);
  hg_ob_put(o, s, n);
}

static void ob_json_string(struct hg_ob *o, const char *s) {
  hg_ob_put(o, "\"", 1);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      char esc[2] = { '\\', (char)c };
      hg_ob_put(o, esc, 2);
    } else if (c < 0x20) {
      hg_ob_printf(o, "\\u00%c%c", "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15]);
    } else {
      hg_ob_put(o, (const char *)&c, 1);
    }
  }
  hg_ob_put(o, "\"", 1);
}

/* "1.5 MiB" style, one decimal (tenths rounded down).  In 128 bits: bytes * 10 wraps
 * in 64 above 1.8 EB; once scaled to TiB it fits again. */
static void human(char *buf, size_t size, size_t bytes) {
  static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
  unsigned u = 0;
  unsigned __int128 scaled = (unsigned __int128)bytes * 10;
  while (scaled >= 10240 && u < 4) {
    scaled /= 1024;
    u++;
  }
  if (u == 0) {
    hg_format(buf, size, "%zu bytes", bytes);
    return;
  }
  size_t n = fixed(buf, size, (uint64_t)scaled, 1);
  hg_format(buf + n, size - n, " %s", units[u]);
}

/* ---- files ---------------------------------------------------------------------------- */

static bool has_pid(const char *pattern) { return hg_pid_path(NULL, 0, pattern, 0); }

/* A copy of stderr, made at start: it survives the program closing fd 2 (coreutils do
 * before exit).  The stats go there without a file, or once their file failed, and a
 * stats or timeline file's failure is told there (hg_stats_file_failed). */
static int stderr_fd(void) {
  if (err_fd < 0) err_fd = hg_stderr_copy();
  return err_fd;
}

/* The file out_fd was opened on (device, inode): a program that closes every
 * descriptor it did not open (close_range: daemons) and opens its own may give one
 * out_fd's number, and the table went into the program's file.  Checked before each
 * table (not from a signal handler), as check mode's reports are (diag.c). */
static struct hg_file_id out_id;

static void note_output(void) { hg_file_id(out_fd, &out_id); }

static int output(void) {
  if (out_fd >= 0) return out_fd;
  int fd = -1;
  if (hg_opt.stats_file) fd = hg_report_open(hg_opt.stats_file, "stats", 0);
  out_is_file = fd >= 0;
  out_fd = fd >= 0 ? fd : stderr_fd();
  note_output();
  return out_fd;
}

/* out_fd again if it is no longer the file it was (the stale number left alone: it is
 * the program's): the stats file by name, or a new copy of the program's fd 2. */
static int output_checked(void) {
  int fd = output();
  if (hg_file_same(fd, &out_id)) return fd;
  int saved = errno;
  fd = out_is_file ? hg_report_open(hg_opt.stats_file, "stats", 0) : -1;
  if (fd < 0) {
    out_is_file = false;
    fd = err_fd = hg_stderr_copy();
  }
  out_fd = fd;
  note_output();
  errno = saved;
  return out_fd;
}

/* "heapguard: cannot write the <what> file <name> (error <n>): <then>" on stderr_fd, the
 * name with this process's id for %p: a file that refused a write (a full disk,
 * /dev/full, a file size limit, EIO). */
HG_COLD void hg_stats_file_failed(const char *what, const char *pattern, int error, const char *then) {
  char line[4352];
  size_t n = hg_format(line, sizeof line, "heapguard: cannot write the %s file ", what);
  hg_pid_path(line + n, 4096, pattern, (int)getpid());
  n += __builtin_strlen(line + n);
  n += hg_format(line + n, sizeof line - n - 1, " (error %d%s): %s", error, hg_error_words(error), then);
  line[n++] = '\n';
  hg_write_all(stderr_fd(), line, n);
}

/* ---- snapshots with the span map ------------------------------------------------------ */

static void *meta_array(size_t bytes) { return hg_meta_alloc(hg_align_up(bytes, HG_PAGE)); }

/* Take the snapshot into sn; with spans, also the map of every span (growing the
 * record array, outside a signal handler, until it fits).  Caller holds the stats lock. */
static bool fill(struct hg_snapshot *sn, bool in_signal, bool spans) {
  for (int attempt = 0;; attempt++) {
    sn->spans = recs;
    sn->spans_cap = recs_cap;
    if (!hg_stats_snapshot(sn, in_signal, spans)) return false;
    if (!spans || sn->spans_lost == 0) return true;
    if (in_signal || attempt == 2) return !in_signal;   /* a signal waits for a roomier moment */
    size_t want = (sn->nspans + sn->spans_lost) * 5 / 4 + 256;
    struct hg_stats_span *r = meta_array(want * sizeof *r);
    if (!r) return true;   /* the map is cut short (spans_lost says by how much) */
    recs = r;
    recs_cap = hg_align_up(want * sizeof *r, HG_PAGE) / sizeof *r;
  }
}

/* An output buffer for sn's report: the line buffer, or a bigger one for a long map. */
static struct hg_ob writer(int fd, const struct hg_snapshot *sn, bool in_signal) {
  size_t need = 64 * 1024 + sn->nspans * 128 + (size_t)sn->nheaps * 2048;
  if (need > sizeof line_buf && big_cap < need && !in_signal) {
    char *b = meta_array(need);
    if (b) {
      big_buf = b;
      big_cap = hg_align_up(need, HG_PAGE);
    }
  }
  if (need > sizeof line_buf && big_cap >= need) return (struct hg_ob){ fd, big_buf, big_cap, 0, 0 };
  return (struct hg_ob){ fd, line_buf, sizeof line_buf, 0, 0 };
}

/* ---- JSON ----------------------------------------------------------------------------- */

static size_t waste_of(size_t in_use, size_t requested) { return in_use > requested ? in_use - requested : 0; }

/* The fields every timeline record has ("sample" and "final"), object left open. */
static void json_figures(struct hg_ob *o, const struct hg_snapshot *sn, const char *type) {
  hg_ob_printf(o, "{\"type\":\"%s\",\"t_ms\":", type);
  ob_fixed(o, sn->t_us, 3);
  hg_ob_printf(o, ",\"requested\":%zu,\"in_use\":%zu,\"mapped\":%zu,\"meta\":%zu,\"rss\":%zu",
            sn->requested, sn->in_use, sn->mapped, sn->meta, sn->rss);
  hg_ob_printf(o, ",\"free\":%zu,\"free_runs\":%zu,\"largest_free\":%zu,\"external_frag\":",
            sn->free, sn->free_runs, sn->largest_free);
  ob_fixed(o, hg_stats_frag_e4(sn), 4);
  hg_ob_printf(o, ",\"internal_waste\":%zu,\"mallocs\":%zu,\"frees\":%zu,\"kernel_calls\":%zu",
            waste_of(sn->in_use, sn->requested), sn->mallocs, sn->frees, sn->kernel_calls);
  /* additions to the contract (docs/stats-format.md) */
  hg_ob_printf(o, ",\"blocks\":%zu,\"heap\":%zu,\"regions\":%zu,\"large\":%zu,\"guarded_mapped\":%zu,"
               "\"free_run_bytes\":%zu,\"free_slot_bytes\":%zu,\"largest_run\":%zu,\"span_tail\":%zu,\"dirty\":%zu",
            sn->blocks, sn->heap, sn->regions, sn->large_mapped, sn->guarded_mapped, sn->free_run_bytes,
            sn->free_slot_bytes, sn->largest_run, sn->span_tail, sn->dirty);
  hg_ob_printf(o, ",\"brk\":%zu,\"mmap\":%zu,\"munmap\":%zu,\"madvise\":%zu,\"mremap\":%zu,\"exact\":%s",
            sn->brk, sn->mmap, sn->munmap, sn->madvise, sn->mremap, sn->exact ? "true" : "false");
}

static const char *kind_name(unsigned kind) {
  switch (kind) {
  case HG_SPAN_SMALL: return "small";
  case HG_SPAN_MEDIUM: return "medium";
  case HG_SPAN_LARGE: return "large";
  default: return "free";
  }
}

/* "classes": each size class with live blocks or spans. */
static void json_classes(struct hg_ob *o, const struct hg_snapshot *sn) {
  hg_ob_printf(o, ",\"classes\":[");
  bool first = true;
  for (unsigned c = 0; c < HG_NCLASSES; c++) {
    const struct hg_stats_class *k = &sn->classes[c];
    if (!k->live && !k->spans) continue;
    size_t in_use = k->live * hg_classes[c].size;
    hg_ob_printf(o, "%s{\"size\":%u,\"live\":%zu,\"requested\":%zu,\"in_use\":%zu,\"waste\":%zu,"
                 "\"spans\":%zu,\"slots\":%zu,\"free_slots\":%zu}",
              first ? "" : ",", hg_classes[c].size, k->live, k->requested, in_use,
              waste_of(in_use, k->requested), k->spans, k->slots, k->free_slots);
    first = false;
  }
  hg_ob_printf(o, "]");
}

/* "kinds": small, medium and large blocks. */
static void json_kinds(struct hg_ob *o, const struct hg_snapshot *sn) {
  hg_ob_printf(o, ",\"kinds\":{\"small\":{\"live\":%zu,\"requested\":%zu,\"in_use\":%zu,\"waste\":%zu}",
            sn->small_blocks, sn->small_requested, sn->small_in_use,
            waste_of(sn->small_in_use, sn->small_requested));
  hg_ob_printf(o, ",\"medium\":{\"live\":%zu,\"requested\":%zu,\"in_use\":%zu,\"waste\":%zu}",
            sn->medium_blocks, sn->medium_requested, sn->medium_in_use,
            waste_of(sn->medium_in_use, sn->medium_requested));
  hg_ob_printf(o, ",\"large\":{\"live\":%zu,\"requested\":%zu,\"in_use\":%zu,\"waste\":%zu}",
            sn->large_blocks, sn->large_requested, sn->large_in_use,
            waste_of(sn->large_in_use, sn->large_requested));
  hg_ob_printf(o, ",\"guarded\":{\"live\":%zu,\"requested\":%zu,\"in_use\":%zu,\"waste\":%zu,"
               "\"allocated\":%zu,\"skipped\":%zu}}",
            sn->guarded_blocks, sn->guarded_requested, sn->guarded_in_use,
            waste_of(sn->guarded_in_use, sn->guarded_requested), sn->guarded_allocs, sn->samples_skipped);
}

/* "spans": the map of the heap, in address order, and how many did not fit in it. */
static void json_spans(struct hg_ob *o, const struct hg_snapshot *sn) {
  hg_ob_printf(o, ",\"spans\":[");
  for (size_t i = 0; i < sn->nspans; i++) {
    const struct hg_stats_span *s = &sn->spans[i];
    hg_ob_printf(o, "%s{\"start\":%zu,\"bytes\":%zu,\"kind\":\"%s\",\"class_size\":%u,\"used\":%u,\"slots\":%u}",
              i ? "," : "", (size_t)s->start, s->bytes, kind_name(s->kind), s->class_size,
              (unsigned)s->used, (unsigned)s->slots);
  }
  hg_ob_printf(o, "],\"spans_missing\":%zu", sn->spans_lost);
}

/* "threads": each heap that holds small-block spans, with its spans by class. */
static void json_threads(struct hg_ob *o, const struct hg_snapshot *sn) {
  hg_ob_printf(o, ",\"threads\":[");
  bool first = true;
  for (unsigned i = 0; i <= HG_STATS_THREADS; i++) {
    const struct hg_stats_heap *h = &sn->heaps[i];
    if (!h->spans) continue;
    hg_ob_printf(o, "%s{\"id\":%u,\"spans\":%zu,\"free_slots\":%zu,\"free_bytes\":%zu,\"remote\":%zu,"
                 "\"state\":\"%s\",\"classes\":[",
              first ? "" : ",", h->id, h->spans, h->free_slots, h->free_bytes, h->remote,
              i == HG_STATS_THREADS ? "others" : h->parked ? "parked" : "live");
    bool k_first = true;
    for (unsigned c = 0; c < HG_NCLASSES; c++) {
      if (!h->class_spans[c]) continue;
      hg_ob_printf(o, "%s{\"size\":%u,\"spans\":%u,\"free_slots\":%u}", k_first ? "" : ",",
                hg_classes[c].size, (unsigned)h->class_spans[c], (unsigned)h->class_free[c]);
      k_first = false;
    }
    hg_ob_printf(o, "]}");
    first = false;
  }
  hg_ob_printf(o, "]");
}

/* The "final" object (also what `heapguard stats --json` prints), with its newline. */
static void json_final(struct hg_ob *o, const struct hg_snapshot *sn, const char *type, const char *when) {
  json_figures(o, sn, type);
  hg_ob_printf(o, ",\"when\":\"%s\",\"version\":\"%s\",\"pid\":%d,\"program\":", when, HEAPGUARD_VERSION,
            (int)getpid());
  ob_json_string(o, program);
  hg_ob_printf(o, ",\"page_size\":%zu", HG_PAGE);
  if (sn->peak_rss) hg_ob_printf(o, ",\"peak_rss\":%zu", sn->peak_rss);
  json_classes(o, sn);
  json_kinds(o, sn);
  json_spans(o, sn);
  json_threads(o, sn);
  hg_ob_printf(o, "}\n");
}

/* ---- the text table ------------------------------------------------------------------- */

/* "  label.....  value  (human)  note": the columns of the Memory and Calls sections. */
static void row_text(struct hg_ob *o, const char *label, const char *value, const char *hum,
                     const char *note) {
  hg_ob_printf(o, "  %s", label);
  for (size_t n = strlen(label); n < 32; n++) hg_ob_put(o, " ", 1);
  ob_right(o, value, 14);
  hg_ob_put(o, "  ", 2);
  ob_right(o, hum, 10);
  hg_ob_printf(o, "  %s\n", note);
}

static void row(struct hg_ob *o, const char *label, size_t bytes, const char *note) {
  char num[32], hum[32] = "";
  hg_format(num, sizeof num, "%zu", bytes);
  if (bytes >= 1024) human(hum, sizeof hum, bytes);
  row_text(o, label, num, hum, note);
}

static void count_row(struct hg_ob *o, const char *label, size_t n, const char *note) {
  char num[32];
  hg_format(num, sizeof num, "%zu", n);
  row_text(o, label, num, "", note);
}

/* part / whole in hundredths of a percent, rounded; in 128 bits (part * 10000 wraps in
 * 64 above 1.8 PB). */
static void pct(char *buf, size_t size, size_t part, size_t whole) {
  unsigned __int128 v = whole ? ((unsigned __int128)part * 10000 + whole / 2) / whole : 0;
  fixed(buf, size, (uint64_t)v, 2);
}

static void class_row(struct hg_ob *o, const char *name, size_t live, size_t requested, size_t in_use,
                      const char *spans, const char *free_slots) {
  char b[6][32];
  hg_format(b[0], 32, "%zu", live);
  hg_format(b[1], 32, "%zu", requested);
  hg_format(b[2], 32, "%zu", in_use);
  hg_format(b[3], 32, "%zu", waste_of(in_use, requested));
  pct(b[4], 32, waste_of(in_use, requested), in_use);
  ob_right(o, name, 8);
  ob_right(o, b[0], 10);
  ob_right(o, b[1], 14);
  ob_right(o, b[2], 14);
  ob_right(o, b[3], 12);
  ob_right(o, b[4], 8);
  ob_right(o, spans, 8);
  ob_right(o, free_slots, 12);
  hg_ob_put(o, "\n", 1);
}

/* "==pid== heapguard stats for PROGRAM (pid N), WHEN, T ms after start" */
static void table_title(struct hg_ob *o, const struct hg_snapshot *sn, const char *when) {
  char ms[64];
  fixed(ms, sizeof ms, sn->t_us, 3);
  hg_ob_printf(o, "==%d== heapguard stats for %s (pid %d), %s, %s ms after start\n", (int)getpid(),
            program, (int)getpid(), when, ms);
}

/* Memory: requested, in use, fragmentation inside blocks and between them, what is
 * mapped and resident. */
static void memory_section(struct hg_ob *o, const struct hg_snapshot *sn) {
  char a[64], b[128];
  size_t waste = waste_of(sn->in_use, sn->requested);
  hg_ob_printf(o, "\nMemory                                            bytes\n");
  hg_format(b, sizeof b, "what the program asked for, %zu live blocks", sn->blocks);
  row(o, "requested (live blocks)", sn->requested, b);
  row(o, "in use (usable size of blocks)", sn->in_use, "size classes, pages and mappings they got");
  pct(a, sizeof a, waste, sn->in_use);
  hg_format(b, sizeof b, "in use - requested: %s%% of in use", a);
  row(o, "internal fragmentation", waste, b);
  hg_format(b, sizeof b, "%zu free page runs (%zu bytes) + %zu free slots (%zu bytes)",
            sn->free_runs, sn->free_run_bytes, sn->free_slots, sn->free_slot_bytes);
  row(o, "free, held by the allocator", sn->free, b);
  row(o, "largest free piece", sn->largest_free, "the biggest block that fits without more memory");
  fixed(a, sizeof a, hg_stats_frag_e4(sn), 4);
  row_text(o, "external fragmentation", a, "", "1 - largest free / free (0: one piece)");
  size_t n = hg_format(b, sizeof b, "brk heap %zu + mmap'd regions %zu + large blocks %zu", sn->heap,
                       sn->regions, sn->large_mapped);
  if (sn->guarded_mapped) hg_format(b + n, sizeof b - n, " + guarded %zu", sn->guarded_mapped);
  row(o, "mapped from the kernel", sn->mapped, b);
  row(o, "allocator metadata (mapped)", sn->meta, "span descriptors, page map, stats: out of band");
  /* A running process has resident pages: 0 is /proc/self/statm unreadable (no /proc). */
  if (sn->rss) row(o, "resident (RSS)", sn->rss, "the whole process, /proc/self/statm");
  else row_text(o, "resident (RSS)", "unknown", "", "/proc/self/statm cannot be read");
  if (!sn->exact)
    hg_ob_printf(o, "  (requested bytes of small blocks are known only in stats mode: where unknown,\n"
                 "   their usable size is counted)\n");
}

/* Calls: blocks allocated and freed, and the kernel calls by kind. */
static void calls_section(struct hg_ob *o, const struct hg_snapshot *sn) {
  char b[128];
  hg_ob_printf(o, "\nCalls                                            count\n");
  count_row(o, "blocks allocated", sn->mallocs,
            hg_stats_on ? "malloc, calloc, realloc (when it moves), memalign, ..."
                        : "medium and large only: small blocks are counted in stats mode");
  count_row(o, "blocks freed (derived)", sn->frees, "allocated - live: free() itself is not counted");
  hg_format(b, sizeof b, "brk %zu, mmap %zu, munmap %zu, madvise %zu, mremap %zu", sn->brk,
            sn->mmap, sn->munmap, sn->madvise, sn->mremap);
  count_row(o, "kernel calls", sn->kernel_calls, b);
  if (hg_guard_sampling) {
    hg_format(b, sizeof b, "%zu more due, skipped: over HEAPGUARD_SAMPLE_BUDGET (%zu a second)",
              sn->samples_skipped, hg_opt.sample_budget);
    count_row(o, "blocks sampled (guarded)", sn->guarded_allocs, b);
  }
}

/* Internal fragmentation by size class: a row for each class with live blocks or
 * spans, then medium, large and the total. */
static void classes_section(struct hg_ob *o, const struct hg_snapshot *sn) {
  hg_ob_printf(o, "\nInternal fragmentation by size class (classes with live blocks or spans)\n");
  hg_ob_printf(o, "   class      live     requested        in use       waste  waste%%   spans  free slots\n");
  for (unsigned c = 0; c < HG_NCLASSES; c++) {
    const struct hg_stats_class *k = &sn->classes[c];
    if (!k->live && !k->spans) continue;
    char name[16], spans[24], free_slots[24];
    hg_format(name, sizeof name, "%u", hg_classes[c].size);
    hg_format(spans, sizeof spans, "%zu", k->spans);
    hg_format(free_slots, sizeof free_slots, "%zu", k->free_slots);
    class_row(o, name, k->live, k->requested, k->live * hg_classes[c].size, spans, free_slots);
  }
  class_row(o, "medium", sn->medium_blocks, sn->medium_requested, sn->medium_in_use, "", "");
  class_row(o, "large", sn->large_blocks, sn->large_requested, sn->large_in_use, "", "");
  if (sn->guarded_blocks)   /* sampled guard mode's (guard.h): their data pages */
    class_row(o, "guarded", sn->guarded_blocks, sn->guarded_requested, sn->guarded_in_use, "", "");
  class_row(o, "total", sn->blocks, sn->requested, sn->in_use, "", "");
  if (sn->span_tail) {
    char tail[32];
    hg_format(tail, sizeof tail, "%zu", sn->span_tail);
    hg_ob_printf(o, "  (and %s bytes at the ends of small-block spans, too short for a slot)\n", tail);
  }
}

/* One heap's row: its id ("others": the threads past HG_STATS_THREADS, together), state,
 * counts, then "size:spans/free slots" for each class it has spans of, six to a line. */
static void heap_row(struct hg_ob *o, const struct hg_stats_heap *h, bool others) {
  char id[16], spans[24], free_slots[24], free_bytes[24], remote[24];
  if (others) hg_format(id, sizeof id, "others"); else hg_format(id, sizeof id, "%u", h->id);
  hg_format(spans, sizeof spans, "%zu", h->spans);
  hg_format(free_slots, sizeof free_slots, "%zu", h->free_slots);
  hg_format(free_bytes, sizeof free_bytes, "%zu", h->free_bytes);
  hg_format(remote, sizeof remote, "%zu", h->remote);
  ob_right(o, id, 8);
  hg_ob_printf(o, "  %s", others ? "-     " : h->parked ? "parked" : "live  ");
  ob_right(o, spans, 7);
  ob_right(o, free_slots, 12);
  ob_right(o, free_bytes, 12);
  ob_right(o, remote, 8);
  hg_ob_put(o, " ", 1);
  unsigned col = 0;
  for (unsigned c = 0; c < HG_NCLASSES; c++) {
    if (!h->class_spans[c]) continue;
    if (col == 6) {   /* a new line, under the first class of this one */
      hg_ob_put(o, "\n", 1);
      ob_right(o, "", 56);
      col = 0;
    }
    hg_ob_printf(o, " %u:%u/%u", hg_classes[c].size, (unsigned)h->class_spans[c], (unsigned)h->class_free[c]);
    col++;
  }
  hg_ob_put(o, "\n", 1);
}

/* Per-thread caches: a row for each heap that holds small-block spans. */
static void heaps_section(struct hg_ob *o, const struct hg_snapshot *sn) {
  hg_ob_printf(o, "\nPer-thread caches: each heap's small-block spans and their free slots\n");
  hg_ob_printf(o, "    heap  state    spans  free slots  free bytes  remote  size:spans/free slots\n");
  for (unsigned i = 0; i <= HG_STATS_THREADS; i++)
    if (sn->heaps[i].spans) heap_row(o, &sn->heaps[i], i == HG_STATS_THREADS);
}

/* The text table: a title line, then four sections, then a blank line. */
static void text_table(struct hg_ob *o, const struct hg_snapshot *sn, const char *when) {
  table_title(o, sn, when);
  memory_section(o, sn);
  calls_section(o, sn);
  classes_section(o, sn);
  heaps_section(o, sn);
  hg_ob_put(o, "\n", 1);
}

/* ---- printing the stats --------------------------------------------------------------- */

/* The stats file refused a table (a full disk, /dev/full, a file size limit, EIO): the
 * stats go to stderr from here on, after one line saying so, as when the file cannot be
 * opened, rather than nowhere.  Under the stats lock. */
static HG_COLD void stats_file_failed(int error) {
  out_is_file = false;
  out_fd = stderr_fd();   /* the file stays open: a fork child may share it */
  note_output();
  hg_stats_file_failed("stats", hg_opt.stats_file, error, "writing the stats to stderr instead");
}

/* One table, JSON or text, from sn to the stats' output; if the file refuses it, to
 * stderr, whole (stats_file_failed).  Under the stats lock. */
static void put_table(const struct hg_snapshot *sn, bool in_signal, bool json, const char *type,
                      const char *when) {
  struct hg_ob o = writer(out_fd, sn, in_signal);
  if (json) json_final(&o, sn, type, when); else text_table(&o, sn, when);
  hg_ob_flush(&o);
  if (hg_unlikely(o.error) && out_is_file) {
    stats_file_failed(o.error);
    put_table(sn, in_signal, json, type, when);   /* once: out_is_file is false now */
  }
}

/* glibc's; declared here as well: a unit test includes this file without _GNU_SOURCE. */
extern char *program_invocation_name;

/* Print the stats (caller holds the stats lock).  False if it could not now (a signal
 * handler that found a lock busy, or too little room for the map). */
static void read_program(void) {
  ssize_t n = readlink("/proc/self/exe", program, sizeof program - 1);
  program[n > 0 ? n : 0] = '\0';
  /* Without /proc: argv[0], which glibc keeps (the header said "stats for  (pid N)"). */
  if (n <= 0 && program_invocation_name) {
    size_t k = strlen(program_invocation_name);
    if (k > sizeof program - 1) k = sizeof program - 1;
    memcpy(program, program_invocation_name, k);
    program[k] = '\0';
  }
}

static bool print_locked(struct hg_snapshot *sn, bool in_signal, const char *when, const char *type) {
  bool json = hg_opt.stats == HG_STATS_JSON;
  if (!program[0]) read_program();   /* hg_stats_print() without stats mode */
  if (!fill(sn, in_signal, json)) return false;
  int fd = in_signal ? out_fd : output_checked();
  if (fd < 0) return false;   /* a signal handler does not open files */
  put_table(sn, in_signal, json, type, when);
  return true;
}

static bool print_now(bool in_signal, const char *when) {
  struct hg_snapshot *sn = hg_stats_acquire(in_signal);
  if (!sn) return false;
  bool done = print_locked(sn, in_signal, when, "snapshot");
  hg_stats_release();
  return done;
}

/* (As hg_stats_get.) */
HG_WIPED_EXPORT_DEEP(void, hg_stats_print, (void), 8192) {
  int saved = errno;
  hg_init();
  print_now(false, "on hg_stats_print()");
  errno = saved;
}

static void on_signal(int sig) {
  (void)sig;
  int saved = errno;
  if (!print_now(true, "on a signal")) atomic_store_explicit(&pending, 1, memory_order_relaxed);
  errno = saved;
}

/* ---- the timeline's records ----------------------------------------------------------- */

/* The records timeline.c writes to its file (timeline.h), formatted in the line buffer,
 * or for the final record in the buffer sized for its map, under the stats lock. */

int hg_stats_timeline_start(int fd) {
  struct hg_ob o = { fd, line_buf, sizeof line_buf, 0, 0 };
  hg_ob_printf(&o, "{\"type\":\"start\",\"version\":\"%s\",\"pid\":%d,\"program\":", HEAPGUARD_VERSION,
            (int)getpid());
  ob_json_string(&o, program);
  hg_ob_printf(&o, ",\"page_size\":%zu,\"interval_ms\":%zu,\"t_ms\":", HG_PAGE, hg_opt.timeline_ms);
  ob_fixed(&o, hg_stats_now_us(), 3);
  hg_ob_printf(&o, "}\n");
  hg_ob_flush(&o);
  return o.error;
}

int hg_stats_timeline_sample(int fd, const struct hg_snapshot *sn, bool regular) {
  struct hg_ob o = { fd, line_buf, sizeof line_buf, 0, 0 };
  json_figures(&o, sn, "sample");
  hg_ob_printf(&o, "%s}\n", regular ? "" : ",\"extra\":true");
  hg_ob_flush(&o);
  return o.error;
}

int hg_stats_timeline_final(int fd, const struct hg_snapshot *sn) {
  struct hg_ob o = writer(fd, sn, false);
  json_final(&o, sn, "final", "at exit");
  hg_ob_flush(&o);
  return o.error;
}

void hg_stats_tick(void) {
  if (hg_unlikely(atomic_load_explicit(&pending, memory_order_relaxed)) && started) {
    int saved = errno;
    atomic_store(&pending, 0);
    if (!print_now(false, "on a signal")) atomic_store(&pending, 1);
    errno = saved;
  }
  if (!atomic_load_explicit(&hg_timeline_on, memory_order_relaxed)) return;
  hg_timeline_tick();
}

/* ---- process life ---------------------------------------------------------------------- */

/* The bodies of the start and exit hooks out of the hot text (HG_COLD): only their
 * tests run in every process. */
static HG_COLD void stats_start(void) {
  int saved = errno;
  read_program();
  stderr_fd();   /* now: the program may close its stderr */
  if (hg_opt.stats != HG_STATS_OFF || hg_opt.stats_signal) output();
  if (hg_opt.timeline) hg_timeline_open();
  if (hg_opt.stats_signal) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction((int)hg_opt.stats_signal, &sa, NULL);
  }
  started = true;
  errno = saved;
}

HG_DEFAULT_TEXT void hg_stats_start(void) {
  if (hg_stats_on) stats_start();
}

void hg_stats_fork_child(void) {
  hg_stats_reset_lock();
  atomic_store(&pending, 0);
  if (!started) return;
  if (out_fd >= 0 && has_pid(hg_opt.stats_file)) {
    if (out_fd != err_fd) hg_sys_close(out_fd);   /* a file of its own, opened when it prints */
    out_fd = -1;
  }
  hg_timeline_fork_child();
}

/* At exit, after the program's own destructors: the final timeline record, then the
 * stats; both "final" objects come from the same snapshot. */
static HG_COLD void stats_exit(void) {
  int saved = errno;
  struct hg_snapshot *sn = hg_stats_acquire(false);
  bool json = hg_opt.stats == HG_STATS_JSON, tl = hg_timeline_stop();
  if (tl || json) {
    fill(sn, false, true);
    if (tl) hg_timeline_final(sn);
    if (json) {
      output_checked();
      put_table(sn, false, true, "final", "at exit");
    }
  }
  if (hg_opt.stats == HG_STATS_TEXT) {
    fill(sn, false, false);
    output_checked();
    put_table(sn, false, false, "final", "at exit");
  }
  hg_stats_release();
  errno = saved;
}

/* From the destructor at exit(), or from _exit (init.c): whichever comes first. */
static _Atomic bool exit_done;

void hg_stats_at_exit(void) {
  if (started && !atomic_exchange(&exit_done, true)) stats_exit();
}

void hg_stats_exit_abandoned(void) {
  static const char line[] = "heapguard: stats table not printed at _exit: a heapguard lock stayed "
                             "held for 2 s (a signal handler that interrupted the allocator?)\n";
  hg_write_all(output(), line, sizeof line - 1);
}

static HG_COLD void stats_at_exit_last(void *unused) {
  (void)unused;
  if (!hg_exit_shares_parent()) hg_stats_at_exit();
}

/* After the other objects' destructors, when it can (init.c: hg_exit_defer). */
__attribute__((destructor)) HG_DEFAULT_TEXT static void stats_at_exit(void) {
  if (started && !hg_exit_shares_parent() && !hg_exit_defer(stats_at_exit_last)) stats_at_exit_last(NULL);
}

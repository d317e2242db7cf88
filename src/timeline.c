/* timeline.c — stats mode's timeline (HEAPGUARD_TIMELINE): a record at start, a sample
 * of the stats' figures every HEAPGUARD_TIMELINE_MS (and when the allocator has just
 * grown its memory), the final record at exit; JSON Lines, contract in
 * docs/stats-format.md.  This file owns the timeline's file and when to sample;
 * stats_out.c formats the records (timeline.h).  Everything here runs inside malloc:
 * no malloc, no stdio.
 *
 * The file.  "%p" in its name becomes the process id: each process writes its own
 * timeline.  Without it, the processes of one run (a shell and the programs it starts
 * inherit the environment) share the name, but a timeline is one record per file: its
 * first process empties it (HG_REPORT_RESTART) and the others' timelines are not
 * written (HG_REPORT_FIRST_ONLY), or the report could not read it.  A forked child
 * (same file description) writes no timeline unless the name has %p. */
#define _GNU_SOURCE
#include "timeline.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"

#include "options.h"
#include "os.h"

static int tl_fd = -1;                  /* the timeline, when this process writes it */
static struct hg_file_id tl_id;         /* the file tl_fd was opened on (tl_checked) */
static bool tl_failed;                  /* the timeline file refused a record (timeline_put) */
_Atomic bool hg_timeline_on;
static _Atomic uint64_t tl_next_ms;     /* CLOCK_MONOTONIC_COARSE deadline of the next sample */
/* Extra samples when the allocator has just grown or shrunk its memory (a brk or mmap
 * since the last sample): they catch the peaks of a short run, which one sample per
 * interval misses.  At most TL_EXTRA_MAX between two regular samples, and none while
 * sampling is backed off because samples are slow. */
#define TL_EXTRA_MAX 16
static _Atomic size_t tl_growth_seen;   /* brk + mmap calls at the last sample */
static _Atomic unsigned tl_extra;       /* extra samples since the last regular one */
static _Atomic bool tl_slow;            /* the last sample backed off */

static uint64_t coarse_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A timeline record was written, or failed with error.  The file refused it (a full
 * disk, /dev/full, a file size limit, EIO): one line on stderr says so and the timeline
 * stops, no more samples and no final record, rather than losing records silently (the
 * stats go to stderr instead; a timeline is a file for `heapguard report`, hundreds of
 * lines a second).  Under the stats lock. */
static bool timeline_put(int error) {
  if (hg_likely(!error)) return true;
  atomic_store(&hg_timeline_on, false);
  if (!tl_failed) {
    tl_failed = true;
    hg_stats_file_failed("timeline", hg_opt.timeline, error,
                         "the timeline stops here, without its final record");
  }
  return false;
}

/* tl_fd, opened again by name (appended to) if it is no longer the timeline's file: a
 * program that closes every descriptor it did not open (close_range(3, ~0U): daemons)
 * and opens files of its own may give one its number, and the samples went into the
 * program's file (internal.h: hg_file_id).  A statx per sample: samples are
 * milliseconds apart.  -1 if it cannot be opened (hg_report_open said so): the
 * timeline stops.  Under the stats lock. */
static int tl_checked(void) {
  if (hg_likely(hg_file_same(tl_fd, &tl_id))) return tl_fd;
  tl_fd = hg_report_open(hg_opt.timeline, "timeline", HG_REPORT_NO_STDERR);
  hg_file_id(tl_fd, &tl_id);
  if (tl_fd < 0) atomic_store(&hg_timeline_on, false);
  return tl_fd;
}

void hg_timeline_open(void) {
  tl_fd = hg_report_open(hg_opt.timeline, "timeline",
                         HG_REPORT_RESTART | HG_REPORT_FIRST_ONLY | HG_REPORT_NO_STDERR);
  if (tl_fd < 0) return;
  hg_file_id(tl_fd, &tl_id);
  tl_failed = false;
  (void)hg_stats_acquire(false);   /* the line buffer */
  bool written = timeline_put(hg_stats_timeline_start(tl_fd));
  hg_stats_release();
  if (!written) return;
  atomic_store(&tl_next_ms, 0);   /* the first sample at the first allocation */
  atomic_store(&hg_timeline_on, true);
}

static size_t growth_calls(void) {
  return atomic_load_explicit(&hg_os_calls.brk, memory_order_relaxed) +
         atomic_load_explicit(&hg_os_calls.mmap, memory_order_relaxed);
}

static void timeline_sample(bool extra) {
  struct hg_snapshot *sn = hg_stats_acquire(true);
  if (!sn) return;   /* another thread is sampling or printing */
  uint64_t now = coarse_ms();
  bool regular = now >= atomic_load(&tl_next_ms);
  if (atomic_load(&hg_timeline_on) && (regular || extra)) {
    atomic_store(&tl_growth_seen, growth_calls());
    if (hg_stats_snapshot(sn, false, false) && tl_checked() >= 0)
      timeline_put(hg_stats_timeline_sample(tl_fd, sn, regular));   /* one write per line */
    /* A sample walks every span: on a big heap it may take a while.  The next one is
     * at least the interval away, and at least 4 times this one's cost, so sampling
     * never takes more than a fifth of the program's time. */
    uint64_t end = coarse_ms(), gap = hg_opt.timeline_ms ? hg_opt.timeline_ms : 1;
    atomic_store(&tl_slow, 4 * (end - now) > gap);
    if (4 * (end - now) > gap) gap = 4 * (end - now);
    if (regular) {
      atomic_store(&tl_next_ms, end + gap);
      atomic_store(&tl_extra, 0);
    } else {
      atomic_fetch_add(&tl_extra, 1);
    }
  }
  hg_stats_release();
}

void hg_timeline_tick(void) {
  bool extra = growth_calls() != atomic_load_explicit(&tl_growth_seen, memory_order_relaxed) &&
               atomic_load_explicit(&tl_extra, memory_order_relaxed) < TL_EXTRA_MAX &&
               !atomic_load_explicit(&tl_slow, memory_order_relaxed);
  if (!extra && coarse_ms() < atomic_load_explicit(&tl_next_ms, memory_order_relaxed)) return;
  int saved = errno;
  timeline_sample(extra);
  errno = saved;
}

void hg_timeline_fork_child(void) {
  if (tl_fd >= 0) {
    atomic_store(&hg_timeline_on, false);
    if (hg_file_same(tl_fd, &tl_id)) hg_sys_close(tl_fd);   /* else the program's now */
    tl_fd = -1;
    /* a name with %p: a file of its own; else the parent's file is not ours; a silent
     * child (diag.h) writes none */
    if (!hg_diag_silent && hg_pid_path(NULL, 0, hg_opt.timeline, 0)) hg_timeline_open();
  }
}

bool hg_timeline_stop(void) { return atomic_exchange(&hg_timeline_on, false) && tl_fd >= 0; }

void hg_timeline_final(const struct hg_snapshot *sn) {
  if (tl_checked() >= 0) timeline_put(hg_stats_timeline_final(tl_fd, sn));
}

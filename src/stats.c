/* stats.c — observing allocations (stats mode), snapshots of the allocator's state, and
 * the interfaces that read them: hg_stats_get and glibc's mallinfo, mallinfo2,
 * malloc_stats and malloc_info.  All of them come from one function (snapshot), so
 * they agree with each other and with the stats table (see stats.h). */
#include "stats.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "guard.h"
#include "heap.h"
#include "heapguard.h"
#include "init.h"
#include "lock.h"
#include "meta.h"
#include "options.h"
#include "os.h"
#include "pagemap.h"
#include "region.h"
#include "span.h"
#include "wipe.h"


bool hg_stats_on;
static _Atomic size_t small_allocs;   /* small blocks handed out (observed) */
static uint64_t start_us HG_DEFAULT_DATA;   /* CLOCK_MONOTONIC at init */

HG_EXPORT const char *hg_version(void) { return HEAPGUARD_VERSION; }

/* By a system call: the start time is taken in every process (os.h). */
static uint64_t monotonic_us(void) { return hg_os_monotonic_us(); }

uint64_t hg_stats_now_us(void) { return monotonic_us() - start_us; }

HG_DEFAULT_TEXT void hg_stats_init(void) {
  start_us = monotonic_us();
  if (hg_opt.mode != HG_MODE_RUN) return;   /* check mode sees every block its own way */
  if (hg_opt.stats == HG_STATS_OFF && !hg_opt.timeline && !hg_opt.stats_signal) return;
  hg_stats_on = true;
  /* malloc(0) is the only request that passes hg_fast_limit == 0: its index goes to
   * the always-empty sentinel class, whose slow path is hg_stats_alloc_zero. */
  hg_class_of_index[0] = HG_NCLASSES;
}

/* ---- observation ----------------------------------------------------------------- */

/* Give span s (its first observed allocation) a side array big enough for its slots.
 * The previous array, too small, is abandoned: a descriptor grows at most 8 times. */
static struct hg_stats_slots *attach(struct hg_span *s) {
  uint32_t cap = 2;
  while (cap < s->nblocks) cap <<= 1;
  struct hg_stats_slots *a = hg_meta_alloc(sizeof *a + cap * sizeof a->bytes[0]);
  if (!a) return NULL;   /* the span's requests stay unknown: the snapshot says so */
  a->cap = cap;
  __atomic_store_n(&s->req, a, __ATOMIC_RELEASE);
  return a;
}

/* Only the owner thread allocates in a span, and the first observed allocation of a
 * span (where attach happens) comes before any other block of it is live, so no
 * other thread writes the array while it is replaced. */
void hg_stats_alloc_note(void *p, size_t n) {
  if (p) {
    struct hg_span *s = hg_pagemap_get(p);
    if (s && s->kind == HG_SPAN_SMALL) {
      size_t idx = (size_t)((char *)p - s->base) / s->bsize;
      struct hg_stats_slots *a = __atomic_load_n(&s->req, __ATOMIC_ACQUIRE);
      if (hg_unlikely(!a || a->cap < s->nblocks)) a = attach(s);
      if (a) __atomic_store_n(&a->bytes[idx], (uint16_t)n, __ATOMIC_RELAXED);
      atomic_fetch_add_explicit(&small_allocs, 1, memory_order_relaxed);
    }
  }
  hg_stats_tick();
}

void hg_stats_resized(void *p, size_t n) {
  struct hg_span *s = hg_pagemap_get(p);
  if (!s || s->kind != HG_SPAN_SMALL) return;
  struct hg_stats_slots *a = __atomic_load_n(&s->req, __ATOMIC_ACQUIRE);
  size_t idx = (size_t)((char *)p - s->base) / s->bsize;
  if (a && a->cap >= s->nblocks) __atomic_store_n(&a->bytes[idx], (uint16_t)n, __ATOMIC_RELAXED);
}

void *hg_stats_alloc_zero(void) {
  void *p = hg_heap_alloc(1);   /* class 0, through the ordinary fast path */
  hg_stats_alloc_note(p, 0);
  return p;
}

/* Guarded blocks (stats.h): every change under check.c's lock, so relaxed atomics; a
 * snapshot may see one block's three figures from either side of its change. */
static _Atomic size_t guarded_blocks, guarded_requested, guarded_in_use, guarded_allocs;

void hg_stats_guarded(ptrdiff_t blocks, ptrdiff_t requested, ptrdiff_t in_use) {
  atomic_fetch_add_explicit(&guarded_blocks, (size_t)blocks, memory_order_relaxed);
  atomic_fetch_add_explicit(&guarded_requested, (size_t)requested, memory_order_relaxed);
  atomic_fetch_add_explicit(&guarded_in_use, (size_t)in_use, memory_order_relaxed);
  if (blocks > 0) atomic_fetch_add_explicit(&guarded_allocs, (size_t)blocks, memory_order_relaxed);
}

/* ---- snapshots -------------------------------------------------------------------- */

/* A small /proc file's text into buf (NUL-terminated; "" if it cannot be read),
 * without allocating and keeping errno. */
static void read_proc(const char *path, char *buf, size_t size) {
  int saved = errno;
  long n = -1;
  int fd = hg_sys_open(path, O_RDONLY | O_CLOEXEC);   /* no cancellation point (internal.h) */
  if (fd >= 0) {
    n = hg_sys_read(fd, buf, size - 1);
    hg_sys_close(fd);
  }
  buf[n > 0 ? n : 0] = '\0';
  errno = saved;
}

static size_t parse_number(const char *q) {
  size_t v = 0;
  for (; *q >= '0' && *q <= '9'; q++) v = v * 10 + (size_t)(*q - '0');
  return v;
}

/* The process's peak resident memory, from the VmHWM line of /proc/self/status: the
 * kernel keeps it, so it sees peaks between timeline samples (or in a run shorter than
 * one interval).  0 if it cannot be read. */
static size_t read_peak_rss(void) {
  char buf[4096];
  read_proc("/proc/self/status", buf, sizeof buf);
  for (const char *q = buf; *q; q++) {
    if ((q == buf || q[-1] == '\n') && strncmp(q, "VmHWM:", 6) == 0) {
      for (q += 6; *q == ' ' || *q == '\t'; q++) {}
      return parse_number(q) * 1024;
    }
  }
  return 0;
}

/* Resident memory now: the second field of /proc/self/statm, in pages. */
static size_t read_rss(void) {
  char buf[128];
  read_proc("/proc/self/statm", buf, sizeof buf);
  const char *q = buf;
  while (*q && *q != ' ') q++;   /* skip the first field (size) */
  while (*q == ' ') q++;
  return parse_number(q) * HG_PAGE;
}

struct walk {
  struct hg_snapshot *sn;
  bool figures;   /* accumulate the figures (else only list the spans) */
  bool list;      /* list the spans */
};

/* kind: the span's, but LARGE for check mode's big slot (a MEDIUM span in a mapping
 * of its own), as the figures count it (visit): the map said "medium" for it. */
static void record(struct hg_snapshot *sn, const struct hg_span *s, uint8_t kind, uint32_t class_size,
                   unsigned used, unsigned slots) {
  if (sn->nspans >= sn->spans_cap || !sn->spans) {
    sn->spans_lost++;
    return;
  }
  sn->spans[sn->nspans++] = (struct hg_stats_span){
    .start = s->start, .bytes = hg_span_bytes(s), .class_size = class_size,
    .used = (uint16_t)used, .slots = (uint16_t)slots, .kind = kind,
  };
}

static struct hg_stats_heap *heap_row(struct hg_snapshot *sn, const struct hg_heap *h) {
  uint32_t id = h ? __atomic_load_n(&h->id, __ATOMIC_RELAXED) : 0;
  unsigned i = id >= 1 && id <= HG_STATS_THREADS ? id - 1 : HG_STATS_THREADS;
  struct hg_stats_heap *row = &sn->heaps[i];
  if (row->id == 0 && i < HG_STATS_THREADS) row->id = id;
  if (h) row->parked = __atomic_load_n(&h->abandoned, __ATOMIC_RELAXED);
  return row;
}

static void visit_small(struct walk *w, const struct hg_span *s) {
  struct hg_snapshot *sn = w->sn;
  unsigned nb = (unsigned)s->nblocks, nwords = (nb + 63) / 64, live = 0, remote = 0;
  uint32_t bsize = s->bsize;
  size_t requested = 0;
  const struct hg_stats_slots *a = __atomic_load_n(&s->req, __ATOMIC_ACQUIRE);
  bool known = a && a->cap >= nb;
  for (unsigned wd = 0; wd < nwords; wd++) {
    uint64_t f = __atomic_load_n(&s->free_bits[wd], __ATOMIC_RELAXED);
    uint64_t r = atomic_load_explicit(&s->remote_bits[wd], memory_order_relaxed);
    unsigned rest = nb - wd * 64;
    uint64_t valid = rest >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << rest) - 1;
    uint64_t alive = ~(f | r) & valid;
    live += (unsigned)__builtin_popcountll(alive);
    remote += (unsigned)__builtin_popcountll(r & valid);
    if (w->figures && known) {
      for (; alive; alive &= alive - 1) {
        size_t req = __atomic_load_n(&a->bytes[wd * 64 + (unsigned)__builtin_ctzll(alive)], __ATOMIC_RELAXED);
        requested += req < bsize ? req : bsize;   /* a racing reader may see a stale entry */
      }
    }
  }
  if (w->list) record(sn, s, HG_SPAN_SMALL, bsize, live, nb);
  if (!w->figures) return;
  if (!known) {
    requested = (size_t)live * bsize;
    if (live) sn->exact = false;
  }
  unsigned free_slots = nb - live;
  struct hg_stats_class *c = &sn->classes[s->cls < HG_NCLASSES ? s->cls : 0];
  c->spans++;
  c->slots += nb;
  c->live += live;
  c->requested += requested;
  c->free_slots += free_slots;
  sn->small_blocks += live;
  sn->small_requested += requested;
  sn->small_in_use += (size_t)live * bsize;
  sn->free_slots += free_slots;
  sn->free_slot_bytes += (size_t)free_slots * bsize;
  if (free_slots && bsize > sn->largest_free) sn->largest_free = bsize;
  sn->span_tail += hg_span_bytes(s) - (size_t)nb * bsize;
  struct hg_stats_heap *row = heap_row(sn, hg_span_owner(s));
  row->spans++;
  row->free_slots += free_slots;
  row->free_bytes += (size_t)free_slots * bsize;
  row->remote += remote;
  if (s->cls < HG_NCLASSES) {
    if (row->class_spans[s->cls] < UINT16_MAX) row->class_spans[s->cls]++;
    row->class_free[s->cls] += free_slots;
  }
}

static void visit(void *ctx, const struct hg_span *s) {
  struct walk *w = ctx;
  struct hg_snapshot *sn = w->sn;
  uint8_t kind = s->kind;
  switch (kind) {
  case HG_SPAN_SMALL:
    visit_small(w, s);
    return;
  case HG_SPAN_MEDIUM:
    if (s->own_mapping) {   /* check mode's big slot (hg_region_alloc_mapped) */
      kind = HG_SPAN_LARGE;
      goto large;
    }
    if (w->figures) {
      sn->medium_blocks++;
      sn->medium_requested += s->size;
      sn->medium_in_use += hg_span_bytes(s);
    }
    break;
  case HG_SPAN_LARGE:
  large:
    if (w->figures) {
      sn->large_blocks++;
      sn->large_requested += s->size;
      sn->large_in_use += hg_span_bytes(s);
    }
    break;
  default:
    break;
  }
  if (w->list) record(sn, s, kind, 0, 0, 0);
}

/* In-place heapsort of the span records by address (no allocation, O(n log n)). */
static void sift(struct hg_stats_span *v, size_t i, size_t n) {
  for (;;) {
    size_t big = i, l = 2 * i + 1, r = l + 1;
    if (l < n && v[l].start > v[big].start) big = l;
    if (r < n && v[r].start > v[big].start) big = r;
    if (big == i) return;
    struct hg_stats_span t = v[i];
    v[i] = v[big];
    v[big] = t;
    i = big;
  }
}

static void sort_spans(struct hg_stats_span *v, size_t n) {
  for (size_t i = n / 2; i-- > 0;) sift(v, i, n);
  for (size_t end = n; end-- > 1;) {
    struct hg_stats_span t = v[0];
    v[0] = v[end];
    v[end] = t;
    sift(v, 0, end);
  }
}

/* *from less n, no lower than 0 (the figures of a snapshot are read without a lock
 * that would freeze the program between the walk and this). */
static void take(size_t *from, size_t n) { *from -= n < *from ? n : *from; }

bool hg_stats_snapshot(struct hg_snapshot *sn, bool try, bool spans) {
  hg_init();
  struct hg_stats_span *keep = sn->spans;
  size_t cap = sn->spans_cap;
  memset(sn, 0, sizeof *sn);
  sn->spans = keep;
  sn->spans_cap = cap;
  sn->exact = true;
  sn->t_us = hg_stats_now_us();
  struct walk w = { .sn = sn, .figures = true, .list = spans };
  struct hg_region_stats r;
  if (!hg_region_walk(&r, try, visit, &w)) return false;
  if (spans) sort_spans(sn->spans, sn->nspans);

  /* Check mode's quarantined slots: in use to the spans, freed to the program (and to
   * mallinfo2's uordblks, whose blocks are glibc's allocated chunks). */
  if (hg_check_on && !try) {
    struct hg_check_quarantined q;
    hg_check_quarantined(&q);
    take(&sn->small_in_use, q.small_bytes);
    take(&sn->small_requested, q.small_bytes);   /* (unobserved: slots, as small_in_use) */
    take(&sn->small_blocks, q.small_blocks);
    take(&sn->medium_in_use, q.medium_bytes);
    take(&sn->medium_requested, q.medium_requested);
    take(&sn->medium_blocks, q.medium_blocks);
  }
  sn->heap = r.brk_bytes;
  sn->regions = r.mmap_region_bytes;
  sn->large_mapped = r.large_bytes;
  sn->guarded_blocks = atomic_load_explicit(&guarded_blocks, memory_order_relaxed);
  sn->guarded_requested = atomic_load_explicit(&guarded_requested, memory_order_relaxed);
  sn->guarded_in_use = atomic_load_explicit(&guarded_in_use, memory_order_relaxed);
  sn->guarded_mapped = hg_guard_mapped_bytes();
  sn->guarded_allocs = atomic_load_explicit(&guarded_allocs, memory_order_relaxed);
  sn->samples_skipped = hg_guard_samples_skipped();
  sn->mapped = r.brk_bytes + r.mmap_region_bytes + r.large_bytes + sn->guarded_mapped;
  sn->meta = hg_meta_bytes_mapped();
  sn->rss = read_rss();
  sn->peak_rss = read_peak_rss();
  sn->free_run_bytes = r.free_bytes;
  sn->free_runs = r.free_runs;
  sn->largest_run = r.largest_free;
  if (r.largest_free > sn->largest_free) sn->largest_free = r.largest_free;
  sn->free = r.free_bytes + sn->free_slot_bytes;
  sn->dirty = r.dirty_bytes;
  sn->top_free = r.top_free;
  sn->large_max_count = r.large_max_count;
  sn->large_max_bytes = r.large_max_bytes;
  sn->blocks = sn->small_blocks + sn->medium_blocks + sn->large_blocks + sn->guarded_blocks;
  sn->requested = sn->small_requested + sn->medium_requested + sn->large_requested + sn->guarded_requested;
  sn->in_use = sn->small_in_use + sn->medium_in_use + sn->large_in_use + sn->guarded_in_use;
  sn->mallocs = atomic_load_explicit(&small_allocs, memory_order_relaxed) + r.medium_total + r.large_total +
                sn->guarded_allocs;
  /* Without observation small blocks are not counted: frees cannot be derived. */
  sn->frees = hg_stats_on && sn->mallocs > sn->blocks ? sn->mallocs - sn->blocks : 0;
  if (!hg_stats_on) sn->exact = sn->small_blocks == 0;
  sn->brk = atomic_load(&hg_os_calls.brk);
  sn->mmap = atomic_load(&hg_os_calls.mmap);
  sn->munmap = atomic_load(&hg_os_calls.munmap);
  sn->madvise = atomic_load(&hg_os_calls.madvise);
  sn->mremap = atomic_load(&hg_os_calls.mremap);
  sn->kernel_calls = sn->brk + sn->mmap + sn->munmap + sn->madvise + sn->mremap;
  for (unsigned i = 0; i <= HG_STATS_THREADS; i++)
    if (sn->heaps[i].spans) sn->nheaps++;
  return true;
}

unsigned hg_stats_frag_e4(const struct hg_snapshot *sn) {
  if (!sn->free) return 0;
  size_t lost = sn->free - sn->largest_free;
  return (unsigned)((lost * 10000 + sn->free / 2) / sn->free);
}

/* ---- the shared snapshot ----------------------------------------------------------- */

static hg_lock_t snap_lock HG_FORK_DATA = HG_LOCK_INIT;   /* read by every fork child */
static struct hg_snapshot snap;

struct hg_snapshot *hg_stats_acquire(bool try) {
  if (try) {
    if (!hg_trylock(&snap_lock)) return NULL;
  } else {
    hg_lock(&snap_lock);
  }
  return &snap;
}

void hg_stats_release(void) { hg_unlock(&snap_lock); }

void hg_stats_reset_lock(void) { hg_lock_reset(&snap_lock); }

/* In every process that forks (hot text, see init.c's fork_child): stats mode, or a
 * snapshot lock some thread held at the fork (hg_stats_get and glibc's calls take it in
 * any mode). */
HG_DEFAULT_TEXT bool hg_stats_fork_busy(void) {
  return hg_stats_on || atomic_load_explicit(&snap_lock.state, memory_order_relaxed) != 0;
}

/* ---- hg_stats_get and glibc's interfaces ------------------------------------------ */

/* (Its frames, about 5 KiB: on the side stack in check mode, or that much wiped
 * behind a call that cannot switch: wipe.h.) */
HG_WIPED_EXPORT_DEEP(int, hg_stats_get, (struct hg_stats *st, size_t size), 8192) {
  if (!st || size < offsetof(struct hg_stats, requested)) return -1;   /* the first version */
  struct hg_snapshot *sn = hg_stats_acquire(false);
  hg_stats_snapshot(sn, false, false);
  struct hg_stats v = {
    .in_use = sn->in_use,
    .heap_bytes = sn->heap,
    .region_bytes = sn->regions,
    .large_bytes = sn->large_mapped,
    .large_count = sn->large_blocks,
    .free_bytes = sn->free_run_bytes,
    .free_runs = sn->free_runs,
    .largest_free = sn->largest_run,
    .dirty_bytes = sn->dirty,
    .meta_bytes = sn->meta,
    .brk_calls = sn->brk,
    .mmap_calls = sn->mmap,
    .munmap_calls = sn->munmap,
    .madvise_calls = sn->madvise,
    .mremap_calls = sn->mremap,
    .requested = sn->requested,
    .blocks = sn->blocks,
    .free_slot_bytes = sn->free_slot_bytes,
    .mallocs = sn->mallocs,
    .frees = sn->frees,
    .rss = sn->rss,
  };
  hg_stats_release();
  memcpy(st, &v, size < sizeof v ? size : sizeof v);
  return 0;
}

/* glibc's "arena" (system bytes) and "in use" (uordblks): the heap and regions, with
 * the guarded mappings (guard.h: data and guard pages of live, quarantined and spare
 * slots; sampled mode's pool slots used so far); small and medium blocks in use, with
 * the data pages of live guarded blocks.  Large blocks are hblks/hblkhd's. */
static size_t arena_of(const struct hg_snapshot *sn) { return sn->heap + sn->regions + sn->guarded_mapped; }
static size_t in_use_of(const struct hg_snapshot *sn) {
  return sn->small_in_use + sn->medium_in_use + sn->guarded_in_use;
}

/* glibc's meaning, from the same snapshot as the stats table: arena and uordblks as
 * above, hblks/hblkhd = large blocks and their mappings, ordblks = free page runs,
 * smblks/fsmblks = free slots of small spans and their bytes, fordblks = the rest of
 * arena, keepcost = the free top of the heap. */
/* (glibc's interfaces, deep as hg_stats_get: the same, wipe.h.) */
HG_WIPED_EXPORT_DEEP(struct mallinfo2, mallinfo2, (void), 8192) {
  struct hg_snapshot *sn = hg_stats_acquire(false);
  hg_stats_snapshot(sn, false, false);
  struct mallinfo2 mi = { 0 };
  mi.arena = arena_of(sn);
  mi.ordblks = sn->free_runs;
  mi.smblks = sn->free_slots;
  mi.hblks = sn->large_blocks;
  mi.hblkhd = sn->large_mapped;
  mi.fsmblks = sn->free_slot_bytes;
  mi.uordblks = in_use_of(sn);
  mi.fordblks = mi.arena > mi.uordblks ? mi.arena - mi.uordblks : 0;
  mi.keepcost = sn->top_free;
  hg_stats_release();
  return mi;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
/* The old interface truncates to int, as glibc's does. */
HG_WIPED_EXPORT_DEEP(struct mallinfo, mallinfo, (void), 8192) {
  struct mallinfo2 m = mallinfo2();
  struct mallinfo mi = {
    .arena = (int)m.arena, .ordblks = (int)m.ordblks, .smblks = (int)m.smblks,
    .hblks = (int)m.hblks, .hblkhd = (int)m.hblkhd, .usmblks = (int)m.usmblks,
    .fsmblks = (int)m.fsmblks, .uordblks = (int)m.uordblks, .fordblks = (int)m.fordblks,
    .keepcost = (int)m.keepcost,
  };
  return mi;
}
HG_WIPED_ALIAS(__libc_mallinfo, mallinfo)
#pragma GCC diagnostic pop

/* glibc's layout, so that scripts reading it keep working. */
HG_WIPED_EXPORT_DEEP(void, malloc_stats, (void), 8192) {
  struct hg_snapshot *sn = hg_stats_acquire(false);
  hg_stats_snapshot(sn, false, false);
  size_t system = arena_of(sn), in_use = in_use_of(sn);
  char buf[512];
  size_t n = hg_format(buf, sizeof buf,
                       "Arena 0:\nsystem bytes     = %10zu\nin use bytes     = %10zu\n"
                       "Total (incl. mmap):\nsystem bytes     = %10zu\nin use bytes     = %10zu\n"
                       "max mmap regions = %10zu\nmax mmap bytes   = %10zu\n",
                       system, in_use, system + sn->large_mapped, in_use + sn->large_in_use,
                       sn->large_max_count, sn->large_max_bytes);
  hg_stats_release();
  hg_write_all(2, buf, n);
}

/* An options value other than 0 returns EINVAL itself, errno untouched: glibc's code
 * (its manual page says -1 and errno; programs written against glibc see EINVAL). */
/* (6 KiB with its stdio calls.) */
HG_WIPED_EXPORT_DEEP(int, malloc_info, (int options, FILE *fp), 8192) {
  if (options != 0) return EINVAL;
  struct hg_snapshot *sn = hg_stats_acquire(false);
  hg_stats_snapshot(sn, false, false);
  /* glibc's totals are free chunks, counted and summed: "fast", its small ones, are
   * the free slots of small spans (mallinfo2's smblks and fsmblks), "rest" the free
   * page runs.  "rest" was arena less in use, with the runs' count: in guard mode,
   * megabytes of guard pages and quarantined blocks said to be in 0 free blocks. */
  size_t system = arena_of(sn), slots = sn->free_slots, slot_bytes = sn->free_slot_bytes;
  size_t runs = sn->free_runs, run_bytes = sn->free_run_bytes;
  size_t large_count = sn->large_blocks, large = sn->large_mapped;
  hg_stats_release();   /* no lock is held past this point: fputs may allocate */
  char buf[1536];
  hg_format(buf, sizeof buf,
            "<malloc version=\"1\">\n"
            "<heap nr=\"0\">\n<sizes>\n</sizes>\n"
            "<total type=\"fast\" count=\"%zu\" size=\"%zu\"/>\n"
            "<total type=\"rest\" count=\"%zu\" size=\"%zu\"/>\n"
            "<system type=\"current\" size=\"%zu\"/>\n<system type=\"max\" size=\"%zu\"/>\n"
            "<aspace type=\"total\" size=\"%zu\"/>\n<aspace type=\"mprotect\" size=\"%zu\"/>\n"
            "</heap>\n"
            "<total type=\"fast\" count=\"%zu\" size=\"%zu\"/>\n"
            "<total type=\"rest\" count=\"%zu\" size=\"%zu\"/>\n"
            "<total type=\"mmap\" count=\"%zu\" size=\"%zu\"/>\n"
            "<system type=\"current\" size=\"%zu\"/>\n<system type=\"max\" size=\"%zu\"/>\n"
            "<aspace type=\"total\" size=\"%zu\"/>\n<aspace type=\"mprotect\" size=\"%zu\"/>\n"
            "</malloc>\n",
            slots, slot_bytes, runs, run_bytes, system, system, system, system,
            slots, slot_bytes, runs, run_bytes, large_count, large,
            system + large, system + large, system, system);
  return fputs(buf, fp) < 0 ? -1 : 0;
}

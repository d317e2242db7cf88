/* region_large.c — large blocks: one mapping each, registered in the pagemap at their
 * first page, listed for the stats, and glibc's dynamic mmap threshold (see region.h).
 * They share the region's lock (region_internal.h): a large request may be carved from
 * a free run instead, and the stats walk reads both under one lock. */
#include "region_internal.h"

#include "meta.h"
#include "options.h"
#include "os.h"
#include "pagemap.h"
#include "span.h"
#include "trace.h"

/* The large blocks: list (for stats and walks) and a ring of recently freed ones, only to
 * word double-free reports. */
static struct hg_span *large_head;
static size_t large_count, large_bytes, large_max_count, large_max_bytes, large_total;
static bool threshold_raised;   /* a free raised the dynamic mmap threshold (hg_large_alloc) */
#define RECENT 64
static struct { uintptr_t start; size_t size; } recent_large[RECENT];
static unsigned recent_next;

/* Span s, a mapping of `bytes` of its own, joins the large blocks' list and counts
 * (lock held; released here). */
static void large_link(struct hg_span *s, size_t bytes) {
  s->next = large_head;
  s->prev = NULL;
  if (large_head) large_head->prev = s;
  large_head = s;
  large_count++;
  large_total++;
  large_bytes += bytes;
  if (large_count > large_max_count) large_max_count = large_count;
  if (large_bytes > large_max_bytes) large_max_bytes = large_bytes;
  hg_unlock(&hg_region_lock);
}

struct hg_span *hg_large_alloc(size_t size, size_t align) {
  size_t bytes = hg_align_up(size ? size : 1, HG_PAGE);
  /* As in glibc, the mmap threshold only decides how the heap grows: a request above
   * it that fits in a free run already there is carved from it (a medium block), so a
   * program that frees a big block and allocates a slightly bigger one reuses the
   * resident pages instead of mapping (and faulting in) new ones (wl_huge: 6,100 page
   * faults less, one 24 MB mapping less).  Only while the threshold is glibc's dynamic
   * one and a free has raised it (the program recycles big blocks; a user who set it
   * wants blocks above it mapped), and only from a run with resident pages
   * (hg_region_alloc_resident). */
  if (!hg_opt.mmap_threshold_fixed && __atomic_load_n(&threshold_raised, __ATOMIC_RELAXED)) {  /* a hint */
    hg_trace_request(size);
    struct hg_span *m = hg_region_alloc_resident(bytes >> HG_PAGE_SHIFT,
                                                 align > HG_PAGE ? align >> HG_PAGE_SHIFT : 1);
    hg_trace_request(0);
    if (m) {
      m->base = (char *)m->start;
      m->size = size;
      return m;
    }
  }
  hg_trace_why(HG_WHY_LARGE_MAP, size, align);
  char *p = hg_os_map_aligned(bytes, align);
  if (!p) return NULL;
  struct hg_span *s = hg_meta_span_new();
  hg_lock(&hg_region_lock);
  if (!s || !hg_pagemap_set((uintptr_t)p, 1, s)) {
    hg_unlock(&hg_region_lock);
    if (s) hg_meta_span_delete(s);
    hg_trace_why(HG_WHY_LARGE_UNDO, 0, 0);
    hg_os_unmap(p, bytes);
    return NULL;
  }
  s->kind = HG_SPAN_LARGE;
  s->start = (uintptr_t)p;
  s->base = p;
  s->npages = bytes >> HG_PAGE_SHIFT;
  s->size = size;
  s->zeroed = 1;
  large_link(s, bytes);
  return s;
}

static void large_unlink(struct hg_span *s) {
  if (s->prev) s->prev->next = s->next; else large_head = s->next;
  if (s->next) s->next->prev = s->prev;
}

#define DYNAMIC_THRESHOLD_MAX (32 * HG_MiB)   /* glibc's DEFAULT_MMAP_THRESHOLD_MAX */

static void large_free_locked(struct hg_span *s) {
  uintptr_t start = s->start;
  size_t bytes = hg_span_bytes(s);
  hg_pagemap_set(start, 1, NULL);
  large_unlink(s);
  large_count--;
  large_bytes -= bytes;
  recent_large[recent_next].start = start;
  recent_large[recent_next].size = s->size;
  recent_next = (recent_next + 1) % RECENT;
  if (!hg_opt.mmap_threshold_fixed && s->size >= hg_opt.mmap_threshold &&
      s->size <= DYNAMIC_THRESHOLD_MAX) {
    hg_opt.mmap_threshold = s->size + 1;
    hg_opt.trim_threshold = 2 * hg_opt.mmap_threshold;
    threshold_raised = true;
  }
  s->kind = HG_SPAN_DEAD;
}

/* For the trace: the block's size, and the new mmap threshold if its free raised it. */
static void why_large_free(size_t size, size_t threshold_before) {
  hg_trace_why(HG_WHY_LARGE_FREE, size, hg_opt.mmap_threshold != threshold_before ? hg_opt.mmap_threshold : 0);
}

void hg_large_free(struct hg_span *s) {
  uintptr_t start = s->start;
  size_t bytes = hg_span_bytes(s), size = s->size, threshold = hg_opt.mmap_threshold;
  hg_lock(&hg_region_lock);
  large_free_locked(s);
  hg_unlock(&hg_region_lock);
  hg_meta_span_delete(s);
  why_large_free(size, threshold);
  hg_os_unmap((void *)start, bytes);
}

void hg_large_free_checked(struct hg_span *s, const void *p) {
  hg_lock(&hg_region_lock);
  if (hg_pagemap_get(p) != s || s->kind != HG_SPAN_LARGE || s->base != (const char *)p) {
    hg_unlock(&hg_region_lock);
    hg_fatal("double free of %p (large block already unmapped)", p);
  }
  uintptr_t start = s->start;
  size_t bytes = hg_span_bytes(s), size = s->size, threshold = hg_opt.mmap_threshold;
  large_free_locked(s);
  hg_unlock(&hg_region_lock);
  hg_meta_span_delete(s);
  why_large_free(size, threshold);
  hg_os_unmap((void *)start, bytes);
}

bool hg_large_resize(struct hg_span *s, size_t size) {
  size_t old_bytes = hg_span_bytes(s), bytes = hg_align_up(size ? size : 1, HG_PAGE);
  if (bytes != old_bytes) {
    hg_trace_why(HG_WHY_LARGE_RESIZE, s->size, size);
    char *p = hg_os_remap((void *)s->start, old_bytes, bytes);
    if (!p) return false;
    hg_lock(&hg_region_lock);
    if ((uintptr_t)p != s->start) {
      /* A move unmapped the old range inside mremap, before this lock: another
       * thread's hg_large_alloc may already have mapped it again and registered its
       * own block there.  Forget the old address only while it is still this block's
       * (tests/api/large_realloc_race.c). */
      if (hg_pagemap_get((const void *)s->start) == s) hg_pagemap_set(s->start, 1, NULL);
      if (!hg_pagemap_set((uintptr_t)p, 1, s))
        hg_fatal("out of memory for the page map after moving a %zu-byte block", size);
    }
    large_bytes = large_bytes - old_bytes + bytes;
    if (large_bytes > large_max_bytes) large_max_bytes = large_bytes;
    s->start = (uintptr_t)p;
    s->base = p;
    s->npages = bytes >> HG_PAGE_SHIFT;
    hg_unlock(&hg_region_lock);
  }
  s->size = size;
  return true;
}

struct hg_span *hg_region_alloc_mapped(size_t npages, size_t align_pages) {
  size_t bytes = npages << HG_PAGE_SHIFT;
  if (npages > (HG_MAX_REQUEST >> HG_PAGE_SHIFT)) return NULL;
  hg_trace_why(HG_WHY_LARGE_MAP, bytes, align_pages << HG_PAGE_SHIFT);
  char *p = hg_os_map_aligned(bytes, align_pages << HG_PAGE_SHIFT);
  if (!p) return NULL;
  struct hg_span *s = hg_meta_span_new();
  hg_lock(&hg_region_lock);
  if (!s || !hg_pagemap_set((uintptr_t)p, npages, s)) {
    hg_unlock(&hg_region_lock);
    if (s) hg_meta_span_delete(s);
    hg_trace_why(HG_WHY_LARGE_UNDO, 0, 0);
    hg_os_unmap(p, bytes);
    return NULL;
  }
  s->kind = HG_SPAN_MEDIUM;
  s->own_mapping = 1;
  s->start = (uintptr_t)p;
  s->base = p;
  s->npages = npages;
  s->size = bytes;
  s->zeroed = 1;
  /* listed and counted as a large block (the stats' mapped blocks, glibc's hblks and
   * hblkhd, M_MMAP_MAX), as glibc counts its mapped chunks */
  large_link(s, bytes);
  return s;
}

size_t hg_region_mapped_min(void) {
  if (hg_large_live() >= hg_opt.mmap_max) return SIZE_MAX;
  if (hg_opt.mmap_threshold_fixed) return hg_opt.mmap_threshold;
  return hg_opt.mmap_threshold > DYNAMIC_THRESHOLD_MAX ? hg_opt.mmap_threshold : DYNAMIC_THRESHOLD_MAX;
}

void hg_region_free_mapped(struct hg_span *s) {
  uintptr_t start = s->start;
  size_t bytes = hg_span_bytes(s);
  hg_lock(&hg_region_lock);
  hg_pagemap_set(start, s->npages, NULL);
  large_unlink(s);
  large_count--;
  large_bytes -= bytes;
  s->kind = HG_SPAN_DEAD;
  recent_large[recent_next].start = start;   /* for a report of an access to it later */
  recent_large[recent_next].size = bytes;
  recent_next = (recent_next + 1) % RECENT;
  hg_unlock(&hg_region_lock);
  hg_meta_span_delete(s);
  hg_trace_why(HG_WHY_LARGE_FREE, bytes, 0);
  hg_os_unmap((void *)start, bytes);
}

size_t hg_large_live(void) { return __atomic_load_n(&large_count, __ATOMIC_RELAXED); }

size_t hg_large_recently_freed(const void *p) {
  size_t found = 0;
  hg_lock(&hg_region_lock);
  for (unsigned i = 0; i < RECENT; i++)
    if (recent_large[i].start == (uintptr_t)p && p) found = recent_large[i].size ? recent_large[i].size : 1;
  hg_unlock(&hg_region_lock);
  return found;
}

/* Without the region lock: a crash report asks, and the crash may be in heapguard's
 * code holding it.  An entry changing meanwhile only words the report wrongly. */
size_t hg_large_recently_unmapped(const void *p) {
  for (unsigned i = 0; i < RECENT; i++) {
    uintptr_t start = __atomic_load_n(&recent_large[i].start, __ATOMIC_RELAXED);
    size_t size = __atomic_load_n(&recent_large[i].size, __ATOMIC_RELAXED);
    if (start && (uintptr_t)p - start < (size ? size : 1)) return size ? size : 1;
  }
  return 0;
}

void hg_large_walk_locked(struct hg_region_stats *st,
                          void (*visit)(void *ctx, const struct hg_span *s), void *ctx) {
  st->large_total = large_total;
  st->large_bytes = large_bytes;
  st->large_count = large_count;
  st->large_max_count = large_max_count;
  st->large_max_bytes = large_max_bytes;
  if (visit)
    for (struct hg_span *s = large_head; s; s = s->next) visit(ctx, s);
}

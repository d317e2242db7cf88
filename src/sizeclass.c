/* sizeclass.c — the class table and span geometry (see sizeclass.h). */
#include "sizeclass.h"

#include "span.h"

struct hg_class_info hg_classes[HG_NCLASSES];
uint8_t hg_class_of_index[(HG_SMALL_MAX >> 4) + 1];

/* Spans aim for this many bytes of blocks (fewer trips to the region), within limits.
 * Classes up to 1 KiB aim lower: a thread keeps a partly used span per class, and a
 * span's pages only move to another class (or thread) once all its blocks are freed,
 * which happens more often in a smaller span.  With 16 KiB instead of 32 KiB for
 * them, peak RSS (VmHWM, ASLR off): wl_larson 8216 -> 7932 KiB, python3 32908 ->
 * 32384, wl_prodcons 2364 -> 2344, wl_threads about 2690 -> 2660 (noisy);
 * wl_realloc 11356 -> 11484, wl_memreturn +0.05%, the others within 0.2%.  It costs
 * refills: wl_larson +8.5% instructions (callgrind), +8% CPU time (4 threads on 2
 * cores); the others under 2%.  Larger classes keep 32 KiB: their spans' tail waste
 * grows in smaller spans (sqlite3's 4368-byte blocks: +2.9 MB at 16 KiB). */
#define SPAN_TARGET_BYTES (32 * HG_KiB)
#define SPAN_TARGET_SMALL (16 * HG_KiB)   /* classes up to SPAN_SMALL_CLASS bytes */
#define SPAN_SMALL_CLASS  1024
#define SPAN_MAX_PAGES    32

/* Classes outside the geometric series, taken from what programs were seen to ask for
 * (as tcmalloc's table is), with a span length chosen for a short tail (0: the usual
 * rule below).  Both are SQLite's, whose every block carries an 8-byte size prefix:
 * 1040 for its 1032-byte blocks (1024 + 8: 19,600 live at its peak in the benchmark's
 * script), which took 1152-byte slots (10% lost); 4384 for its page-cache entries, a
 * 4096-byte page plus headers and prefix (4368 bytes with Debian 12's sqlite3), which
 * took 4608-byte slots in 8-page spans of 7 (313 bytes lost a block, 7%), where 15
 * pages hold 14 of 4384 bytes with 64 to spare (21 bytes lost a block).  1040 takes
 * 15-page spans too (59 slots, 80 bytes spare): SQLite frees and allocates the two
 * sizes in turn, phase after phase, and each class's spans then fit the holes the
 * other's leave; with 8-page spans of 1040 (the usual rule) a 15-page hole kept 7
 * pages that fit neither, and the heap grew past them (peak RSS 66830 -> 65552 KiB).
 * A request the series serves lands in the same class as before unless it is within
 * 16 bytes of 1040 or 32 of 4384 (below them). */
static const struct { uint32_t size; uint16_t npages; } extra_classes[] = {
  { 1040, 15 },
  { 4384, 15 },
};
#define NEXTRA (sizeof extra_classes / sizeof extra_classes[0])

/* The table is built once per process, by code every process runs and so in the
 * default mode's hot text (src/heapguard.ld.in), where every byte counts against its
 * six pages: optimized for size (857 bytes at -O2, 620 here). */
#if defined(__clang__)
#define HG_INIT_CODE __attribute__((minsize))
#else
#define HG_INIT_CODE __attribute__((optimize("Os")))
#endif

static HG_INIT_CODE void set_inverse(struct hg_class_info *c) {
  size_t b = c->size;
  c->shift = (uint8_t)__builtin_ctz(b);
  uint64_t odd = b >> c->shift, inv = odd;   /* Newton: each step doubles the good bits */
  for (int i = 0; i < 5; i++) inv *= 2 - odd * inv;
  c->inv = inv;
}

static HG_INIT_CODE void geometry(struct hg_class_info *c) {
  size_t b = c->size;
  for (size_t i = 0; i < NEXTRA; i++) {
    if (extra_classes[i].size == b && extra_classes[i].npages) {
      c->npages = extra_classes[i].npages;
      c->nblocks = (uint16_t)(c->npages * HG_PAGE / b);
      set_inverse(c);
      return;
    }
  }
  size_t want = (b <= SPAN_SMALL_CLASS ? SPAN_TARGET_SMALL : SPAN_TARGET_BYTES) / b;
  if (want > HG_SPAN_MAX_BLOCKS) want = HG_SPAN_MAX_BLOCKS;
  if (want < 4) want = 4;
  size_t best_pages = 0, best_waste = (size_t)-1;
  for (size_t pages = 1; pages <= SPAN_MAX_PAGES; pages++) {
    size_t bytes = pages * HG_PAGE, nb = bytes / b;
    /* Every whole slot that fits must be a real slot (free's fast path relies on it),
     * so spans never hold more than HG_SPAN_MAX_BLOCKS slots' worth of pages. */
    if (nb > HG_SPAN_MAX_BLOCKS) break;
    if (nb < 2) continue;
    size_t waste = bytes - nb * b;
    /* The first span big enough wins unless it wastes over 1/16; then the least waste
     * (relative) among the larger ones. */
    if (nb >= want || pages == SPAN_MAX_PAGES) {
      if (best_pages == 0 || waste * best_pages * HG_PAGE < best_waste * bytes) {
        best_pages = pages;
        best_waste = waste;
      }
      if (waste * 16 <= bytes) break;
    }
  }
  HG_ASSERT(best_pages > 0);
  c->npages = (uint16_t)best_pages;
  c->nblocks = (uint16_t)(best_pages * HG_PAGE / b);
  set_inverse(c);
}

HG_INIT_CODE void hg_sizeclass_init(void) {
  unsigned n = 0;
  for (uint32_t s = 16; s <= 128; s += 16) hg_classes[n++].size = s;
  size_t e = 0;
  for (uint32_t base = 128; base < HG_SMALL_MAX; base *= 2) {
    for (uint32_t k = 1; k <= 8; k++) {
      uint32_t size = base + k * (base / 8);
      for (; e < NEXTRA && extra_classes[e].size < size; e++) hg_classes[n++].size = extra_classes[e].size;
      hg_classes[n++].size = size;
    }
  }
  HG_ASSERT(n == HG_NCLASSES && hg_classes[n - 1].size == HG_SMALL_MAX);
  for (unsigned c = 0; c < HG_NCLASSES; c++) geometry(&hg_classes[c]);
  unsigned c = 0;
  for (size_t i = 0; i <= (HG_SMALL_MAX >> 4); i++) {
    size_t bytes = i << 4;    /* largest request mapping to index i */
    while (hg_classes[c].size < bytes) c++;
    hg_class_of_index[i] = (uint8_t)c;
  }
}

/* unit/sizeclass: the class table and span geometry (src/sizeclass.c).
 *
 * After hg_sizeclass_init(): classes strictly increasing multiples of 16 ending at
 * HG_SMALL_MAX; hg_size_class(n) is the smallest class >= n for every n in
 * 0..HG_SMALL_MAX; waste <= 12.5% above 128 bytes; each class's span has 1..32 pages
 * and 2..512 blocks that fit; hg_span_slot (the class's inverse and shift) gives the
 * exact slot index for every slot and never maps any other offset, inside the span,
 * below it or far above it, onto a slot (the free path's interior check).
 */
#include "check.h"

#include "sizeclass.h"
#include "span.h"

int main(void) {
  hg_sizeclass_init();

  /* ---- the classes ---- */
  CHECK_EQU(hg_classes[HG_NCLASSES - 1].size, HG_SMALL_MAX);
  CHECK_EQU(hg_classes[0].size, 16);
  for (unsigned c = 0; c < HG_NCLASSES; c++) {
    uint32_t sz = hg_classes[c].size;
    CHECKF(sz % 16 == 0, "class %u: size %u is not a multiple of 16", c, sz);
    if (c > 0)
      CHECKF(sz > hg_classes[c - 1].size, "class %u: size %u not above class %u's %u", c, sz,
             c - 1, hg_classes[c - 1].size);
  }

  /* ---- hg_size_class: the smallest class that fits ---- */
  for (size_t n = 0; n <= HG_SMALL_MAX; n++) {
    unsigned c = hg_size_class(n);
    if (!CHECKF(c < HG_NCLASSES, "hg_size_class(%zu) = %u out of range", n, c)) continue;
    size_t sz = hg_classes[c].size;
    size_t need = n ? n : 1;
    CHECKF(sz >= need, "hg_size_class(%zu) = class %u of %zu bytes: too small", n, c, sz);
    if (c > 0)
      CHECKF(hg_classes[c - 1].size < need,
             "hg_size_class(%zu) = class %u (%zu bytes), but class %u (%u bytes) fits", n, c, sz,
             c - 1, hg_classes[c - 1].size);
    /* (class - n) / class <= 1/8 */
    if (n > 128)
      CHECKF((sz - n) * 8 <= sz, "request %zu -> class of %zu bytes wastes %.1f%%", n, sz,
             100.0 * (double)(sz - n) / (double)sz);
  }

  /* ---- span geometry ---- */
  for (unsigned c = 0; c < HG_NCLASSES; c++) {
    const struct hg_class_info *ci = &hg_classes[c];
    CHECKF(ci->npages >= 1 && ci->npages <= 32, "class %u (%u bytes): %u pages", c, ci->size,
           ci->npages);
    CHECKF(ci->nblocks >= 2 && ci->nblocks <= HG_SPAN_MAX_BLOCKS,
           "class %u (%u bytes): %u blocks", c, ci->size, ci->nblocks);
    CHECKF((size_t)ci->nblocks * ci->size <= (size_t)ci->npages * HG_PAGE,
           "class %u: %u blocks of %u bytes do not fit in %u pages", c, ci->nblocks, ci->size,
           ci->npages);
    uint64_t odd = ci->size >> ci->shift;
    CHECKF((odd & 1) && (odd << ci->shift) == ci->size && odd * ci->inv == 1,
           "class %u: shift %u and inverse %#llx do not describe %u", c, ci->shift,
           (unsigned long long)ci->inv, ci->size);
  }

  /* ---- hg_span_slot, the way heap.h's free path uses it ----
   * For every offset inside the span (including its tail waste), "idx < nblocks" must
   * hold exactly for the slot starts, with idx the slot; and for offsets of pointers
   * below the span (wrapped around) or far above it (pagemap aliases), never. */
  for (unsigned c = 0; c < HG_NCLASSES; c++) {
    const struct hg_class_info *ci = &hg_classes[c];
    struct hg_span s = { .inv = ci->inv, .shift = ci->shift, .nblocks = ci->nblocks };
    size_t size = ci->size, span = (size_t)ci->npages * HG_PAGE;
    unsigned long bad = 0;
    for (size_t i = 0; i < ci->nblocks; i++) {
      size_t idx = hg_span_slot(&s, i * size);
      if (idx != i && bad++ < 5)
        CHECKF(0, "class %u (%zu bytes): slot %zu at offset %zu gives index %zu", c, size, i,
               i * size, idx);
    }
    for (size_t off = 0; off < span; off++) {
      size_t idx = hg_span_slot(&s, off);
      bool is_slot = off % size == 0 && off / size < ci->nblocks;
      if ((idx < ci->nblocks) != is_slot && bad++ < 5)
        CHECKF(0, "class %u (%zu bytes): offset %zu -> index %zu: is a slot %d", c, size, off,
               idx, is_slot);
    }
    for (size_t k = 1; k <= 2 * span; k++) {        /* below the span */
      size_t idx = hg_span_slot(&s, (size_t)0 - k);
      if (idx < ci->nblocks && bad++ < 5)
        CHECKF(0, "class %u: offset -%zu maps to slot %zu", c, k, idx);
    }
    for (size_t j = 1; j < 64; j++) {                /* 2^47 and beyond: aliases */
      size_t base = j << 47;
      for (size_t off = 0; off < span; off += 16) {
        size_t idx = hg_span_slot(&s, base + off);
        if (idx < ci->nblocks && bad++ < 5)
          CHECKF(0, "class %u: offset 2^47*%zu+%zu maps to slot %zu", c, j, off, idx);
      }
    }
    CHECKF(bad == 0, "class %u: %lu slot-test errors", c, bad);
  }
  return check_finish();
}

/* sizeclass.h — size classes for small blocks and the geometry of their spans.
 *
 * 74 classes: 16..128 in steps of 16, then eight classes per doubling up to 32 KiB, so
 * above 128 bytes a block wastes less than 1/9 (11.1%) of itself, and two more taken
 * from what programs ask for (1040 and 4384, SQLite's; sizeclass.c).  Every class is a
 * multiple of 16, so every block is 16-byte aligned (spans start on a page).  Each
 * class's span is 1..32 pages holding 2..512 blocks with little tail waste. */
#ifndef HG_SIZECLASS_H
#define HG_SIZECLASS_H

#include "internal.h"

#define HG_NCLASSES  74
#define HG_SMALL_MAX ((size_t)32 * 1024)     /* largest class */

struct hg_class_info {
  uint32_t size;     /* block size */
  uint8_t shift;     /* trailing zero bits of size: size = odd << shift */
  uint64_t inv;      /* inverse of size's odd part modulo 2^64 (see hg_span_slot) */
  uint16_t npages;   /* span length */
  uint16_t nblocks;  /* blocks per span */
};

extern HG_HIDDEN struct hg_class_info hg_classes[HG_NCLASSES];
/* class of a request of n bytes, indexed by (n + 15) >> 4, for n <= HG_SMALL_MAX.
 * All zero until hg_sizeclass_init: a lookup before init yields class 0, whose
 * caller's slow path initialises and looks again. */
extern HG_HIDDEN uint8_t hg_class_of_index[(HG_SMALL_MAX >> 4) + 1];

static inline unsigned hg_size_class(size_t n) { return hg_class_of_index[(n + 15) >> 4]; }

void hg_sizeclass_init(void);

#endif

/* compat.c — glibc's tuning calls: mallopt and malloc_trim. */
#include <malloc.h>

#include "init.h"
#include "options.h"
#include "region.h"


#define MMAP_THRESHOLD_MAX (32 * HG_MiB)   /* glibc's HEAP_MAX_SIZE / 2 on 64-bit */

/* Returns 1 on success and 0 on error, as glibc's does.  Parameters that only make
 * sense for glibc's own design (arenas, fastbins, perturb, check action) are accepted
 * and ignored, so programs tuning glibc keep working. */
HG_EXPORT int mallopt(int param, int value) {
  hg_init();
  switch (param) {
  case M_MMAP_THRESHOLD:
    if (value < 0 || (size_t)value > MMAP_THRESHOLD_MAX) return 0;
    hg_opt.mmap_threshold = (size_t)value;
    hg_opt.mmap_threshold_fixed = true;
    hg_options_changed();
    return 1;
  case M_TRIM_THRESHOLD:
    hg_opt.trim_threshold = value < 0 ? SIZE_MAX / 4 : (size_t)value;   /* -1: never trim */
    hg_opt.mmap_threshold_fixed = true;
    return 1;
  case M_TOP_PAD:
    if (value < 0) return 0;
    hg_opt.top_pad = (size_t)value;
    hg_opt.mmap_threshold_fixed = true;
    return 1;
  case M_MMAP_MAX:
    if (value < 0) return 0;
    hg_opt.mmap_max = (size_t)value;
    hg_opt.mmap_threshold_fixed = true;
    return 1;
  case M_MXFAST:
    return value >= 0 && value <= 160 ? 1 : 0;   /* glibc's MAX_FAST_SIZE on 64-bit */
  case M_ARENA_TEST:
  case M_ARENA_MAX:
    return value > 0 ? 1 : 0;
  case M_PERTURB:
  case M_CHECK_ACTION:
    return 1;
  default:
    return 0;
  }
}
int __libc_mallopt(int param, int value) HG_ALIAS(mallopt);

/* Give idle memory back now: every free page is purged and the top of the brk heap is
 * cut down to pad bytes.  Returns 1 if memory was released. */
HG_EXPORT int malloc_trim(size_t pad) {
  hg_init();
  return hg_region_trim(pad) > 0;
}

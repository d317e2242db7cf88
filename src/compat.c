/* compat.c — glibc's tuning calls: mallopt and malloc_trim. */
#include <malloc.h>

#include "init.h"
#include "options.h"
#include "region.h"
#include "wipe.h"



/* Returns 1 on success and 0 on error, as glibc's (2.36) does: it refuses only an
 * M_MXFAST above its largest fast size, and returns 1 for any other parameter, known or
 * not, whatever the value (programs check for 1, and some stop otherwise).  Values
 * are taken as glibc takes them, an int converted to size_t: a negative threshold is
 * the largest size (no block gets a mapping of its own; the environment's
 * HEAPGUARD_MMAP_THRESHOLD has no limit either), a negative M_MMAP_MAX allows no
 * mapping (glibc compares it as an int).  The trim settings are capped at a quarter of
 * the address space, so that trim_threshold + top_pad (region.c) cannot wrap.
 * Parameters that only make sense for glibc's own design (arenas, fastbins, perturb,
 * check action) are accepted and ignored, so programs tuning glibc keep working. */
HG_EXPORT int mallopt(int param, int value) {
  hg_init();
  switch (param) {
  case M_MMAP_THRESHOLD:
    hg_glibc_tune(param, (size_t)value);   /* -1: SIZE_MAX */
    hg_options_changed();
    return 1;
  case M_TRIM_THRESHOLD:
  case M_TOP_PAD:
    hg_glibc_tune(param, value < 0 ? HG_TRIM_NEVER : (size_t)value);   /* -1: never trim */
    return 1;
  case M_MMAP_MAX:
    hg_glibc_tune(param, value < 0 ? 0 : (size_t)value);
    return 1;
  case M_MXFAST:
    return value >= 0 && value <= 160 ? 1 : 0;   /* glibc's MAX_FAST_SIZE on 64-bit */
  default:   /* M_ARENA_TEST, M_ARENA_MAX, M_PERTURB, M_CHECK_ACTION, unknown */
    return 1;
  }
}
int __libc_mallopt(int param, int value) HG_ALIAS(mallopt);

/* Give idle memory back now: every free page is purged and the top of the brk heap is
 * cut down to pad bytes.  Returns 1 if memory was released. */
HG_WIPED_EXPORT(int, malloc_trim, (size_t pad)) {
  hg_init();
  return hg_region_trim(pad) > 0;
}

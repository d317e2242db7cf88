/* options.h — heapguard's settings, declared once.
 *
 * HG_OPTIONS lists every option: field name, environment name (HEAPGUARD_<NAME>), type,
 * default and a one-line description.  The table drives parsing of the environment,
 * the documentation (docs/options.md is checked against it by a test) and mallopt.
 * Types: size (bytes; accepts K/KiB/M/MiB/G/GiB suffixes), bool (1/0, true/false,
 * on/off, yes/no), count (a plain integer). */
#ifndef HG_OPTIONS_H
#define HG_OPTIONS_H

#include "internal.h"

#define HG_OPTIONS(X)                                                                      \
  X(mmap_threshold, MMAP_THRESHOLD, size, 128 * HG_KiB,                                   \
    "blocks of at least this size get a mapping of their own, unmapped by free; setting "  \
    "it (or mallopt M_MMAP_THRESHOLD) turns off glibc's dynamic threshold")                \
  X(trim_threshold, TRIM_THRESHOLD, size, 128 * HG_KiB,                                   \
    "shrink the brk heap when this much is free at its top and idle for the decay time "  \
    "(mallopt M_TRIM_THRESHOLD)")                                                          \
  X(top_pad, TOP_PAD, size, 64 * HG_KiB,                                                  \
    "free bytes left at the top of the brk heap when it shrinks (mallopt M_TOP_PAD)")      \
  X(decay_ms, DECAY_MS, count, 1000,                                                      \
    "free pages idle for this many milliseconds go back to the kernel with madvise "      \
    "(checked whenever the allocator takes or returns pages; 0: at once)")                 \
  X(dirty_max, DIRTY_MAX, size, 64 * HG_MiB,                                              \
    "most free memory kept resident however recently used; beyond it the oldest idle "     \
    "pages go back to the kernel at once")                                                 \
  X(heap_step, HEAP_STEP, size, 1 * HG_MiB,                                               \
    "free space the brk heap gets above a request when it grows, and keeps at its top "    \
    "when it shrinks, so a program near its peak does not move the break every time")      \
  X(use_brk, BRK, bool, 1,                                                                \
    "grow the heap with brk, as glibc does; 0 uses mmap'd regions only")                  \
  X(mmap_max, MMAP_MAX, count, 65536,                                                     \
    "most large blocks mapped at once; beyond it they come from the heap (mallopt "        \
    "M_MMAP_MAX; 0 disables mmap for blocks)")

#define HG_OPT_FIELD_size  size_t
#define HG_OPT_FIELD_bool  bool
#define HG_OPT_FIELD_count size_t

struct hg_options {
#define X(field, env, type, def, doc) HG_OPT_FIELD_##type field;
  HG_OPTIONS(X)
#undef X
  bool mmap_threshold_fixed;   /* set by the user: no dynamic adjustment */
};

extern struct hg_options hg_opt;

/* Read HEAPGUARD_* from the environment (environ, never getenv: no allocation, and it
 * may run before libc is initialised).  Bad values and unknown names are reported on
 * stderr and ignored. */
void hg_options_init(void);

/* Help text for every option into buf (for the CLI and the docs). */
size_t hg_options_describe(char *buf, size_t size);

#endif

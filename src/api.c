/* api.c — the standard allocation functions, with glibc's semantics.
 *
 * This is the only file that exports the standard names (malloc, free, ...) and
 * glibc's __libc_* aliases, so that nothing in the process falls through to glibc's
 * allocator.  Requests are dispatched by size: small (<= HG_SMALL_MAX, per-thread
 * heaps), medium (whole pages from the region), large (at or above the mmap threshold:
 * a mapping each). */
#include <errno.h>
#include <gnu/libc-version.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "check.h"
#include "guard.h"
#include "heap.h"
#include "init.h"
#include "options.h"
#include "region.h"
#include "stats.h"
#include "trace.h"
#include "wipe.h"

/* An ELF note named "heapguard" (type 1, no contents), in whichever program or library
 * this file is linked into: a statically linked program that holds it has heapguard as
 * its allocator, reading HEAPGUARD_MODE, though LD_PRELOAD cannot reach it, and the
 * CLI looks for it there (src/cli/preloadable.c) before saying the program would run
 * unchecked.  A note is in a loaded segment (PT_NOTE), so strip keeps it, and "R"
 * (retain) keeps it from the linker's --gc-sections. */
__asm__(".pushsection .note.heapguard, \"aR\", @note\n"
        ".balign 4\n"
        ".long 10, 0, 1\n"   /* sizeof "heapguard", no descriptor, type 1 */
        ".asciz \"heapguard\"\n"
        ".balign 4\n"
        ".popsection");

static void *enomem(void) {
  errno = ENOMEM;
  return NULL;
}

static void *alloc_medium(size_t n, size_t align_pages) {
  size_t npages = n ? (n + HG_PAGE - 1) >> HG_PAGE_SHIFT : 1;
  hg_trace_request(n);
  struct hg_span *s = hg_region_alloc(npages, align_pages, HG_SPAN_MEDIUM);
  hg_trace_request(0);
  if (!s) return enomem();
  s->base = (char *)s->start;
  s->size = n;
  return s->base;
}

/* A mapping of its own; if the kernel refuses one (address-space limit, mapping
 * count), the block comes from the heap's free pages instead, as glibc does. */
static void *alloc_large(size_t n, size_t align) {
  struct hg_span *s = hg_large_alloc(n, align);
  if (s) return s->base;
  return alloc_medium(n, align > HG_PAGE ? align >> HG_PAGE_SHIFT : 1);
}

static bool use_mmap(size_t n) {
  return n >= hg_opt.mmap_threshold && hg_large_live() < hg_opt.mmap_max;
}

/* Check mode sees every call: malloc through alloc_slow (hg_fast_limit is 0), free
 * through the heap's divert (threads have no heap), the other functions test for it
 * first.  So does call
 * tracing (HEAPGUARD_TRACE_CALLS): a traced call is made again inside the trace, which
 * writes it with its result (see trace.h). */
static inline bool checking(void) {
  hg_init();
  return hg_unlikely(hg_check_on);
}

static void *alloc_block(size_t n) {
  if (n > HG_MAX_REQUEST) return enomem();
  if (use_mmap(n)) return alloc_large(n, HG_PAGE);
  if (n <= HG_SMALL_MAX) return hg_heap_alloc(n);
  return alloc_medium(n, 1);
}

HG_HIDDEN void *alloc_slow(size_t n);

/* The other modes' malloc past the fast path, and check mode's first. */
static HG_NOINLINE void *alloc_other(size_t n) {
  /* Sampled guard mode: alloc's countdown reached 0 (small requests, when no other
   * mode needs to see them: otherwise hg_sampled_fast_limit is 0).  This one is the
   * sample, unless it cannot be (see hg_guard_sample_slow).  The same size test as
   * alloc's countdown: n is never 0 here (malloc(0) takes the fast path). */
  if (hg_guard_sampling && n <= hg_sampled_fast_limit) {
    int saved = errno;   /* the first sample loads libunwind, whose set-up zeroes errno */
    void *g = hg_guard_sample_slow(n);
    errno = saved;
    return g ? g : hg_heap_alloc(n);
  }
  if (checking()) return hg_check_alloc(n, HG_ALIGNMENT, HG_API_MALLOC, false);
  if (hg_trace_calls_now()) { hg_trace_call_enter(); return hg_trace_call_ptr(alloc_slow(n), "malloc(%zu)", n); }
  if (hg_unlikely(hg_guard_sampling)) {   /* hg_fast_limit is 0: every malloc counts down */
    int saved = errno;
    void *g = hg_guard_sample(n);
    errno = saved;
    if (g) return g;
  }
  void *p = alloc_block(n);
  /* stats mode sends every allocation here (hg_fast_limit is 0; see stats.h) */
  if (hg_unlikely(hg_stats_on)) hg_stats_alloc_note(p, n);
  return p;
}

/* Check mode (hg_fast_limit 0: every malloc but malloc(0), which the heap's divert
 * takes) first, and apart from the rest: a jump, without their frame's set-up, and
 * without hg_init (before it hg_fast_limit is 0 too, and hg_check_on false: the first
 * malloc takes alloc_other, which initialises).  hg_check_on is set by hg_check_init
 * once check mode's state is ready, before the rest of init. */
HG_WIPED_INTERNAL(void *, alloc_slow, (size_t n)) {
  if (hg_check_on) return hg_check_malloc(n);
  return alloc_other(n);
}

static inline void *alloc(size_t n) {
  if (hg_likely(n <= hg_fast_limit)) return hg_heap_alloc(n);
  /* Sampled guard mode's countdown, inline: hg_fast_limit is then 0 and
   * hg_sampled_fast_limit the real limit, so an unsampled small request costs one
   * compare and one decrement more than the fast path, not a call.  The countdown is
   * in the thread's heap (heap.h), whose pointer the fast path loads anyway.  In every
   * other mode no request that failed the first test passes this one (malloc(0) never
   * gets here: it passes the first test, whatever hg_fast_limit is). */
  if (n <= hg_sampled_fast_limit && hg_likely(hg_guard_count_down(hg_tls_heap))) return hg_heap_alloc(n);
  return alloc_slow(n);
}

/* Alignments above 16: a small class whose size is a multiple of the alignment (its
 * blocks are aligned, spans start on pages), else pages aligned in the region, else
 * an aligned mapping. */
static void *alloc_aligned(size_t align, size_t n, enum hg_api api) {
  if (checking()) return hg_check_alloc(n, align, api, false);
  /* (Sampled guard mode samples malloc: its blocks may be aligned to less than 16.) */
  if (align <= HG_ALIGNMENT && hg_likely(!hg_guard_sampling)) return alloc(n);
  if (n > HG_MAX_REQUEST || align > HG_MAX_REQUEST / 2) return enomem();
  if (align <= HG_PAGE && n <= HG_SMALL_MAX && !use_mmap(n)) {
    for (unsigned c = hg_size_class(n < align ? align : n); c < HG_NCLASSES; c++)
      if (hg_classes[c].size % align == 0) {
        void *p = hg_heap_alloc(hg_classes[c].size);
        if (hg_unlikely(hg_stats_on)) hg_stats_alloc_note(p, n);
        return p;
      }
  }
  size_t align_pages = align > HG_PAGE ? align >> HG_PAGE_SHIFT : 1;
  if (use_mmap(n) || align > HG_MiB) return alloc_large(n, align > HG_PAGE ? align : HG_PAGE);
  return alloc_medium(n, align_pages);
}

/* Without cross-jumping gcc keeps sampled mode's copy of the fast path whole, to its
 * own ret, instead of jumping back into the default mode's copy: one taken branch
 * less per unsampled malloc (wl_churn, countdown only: 1.07x the default mode's CPU
 * time instead of 1.10x); the default mode's path is the same instructions. */
#if defined(__clang__)
#define HG_NO_CROSSJUMP /* clang has no per-function switch for it */
#else
#define HG_NO_CROSSJUMP __attribute__((optimize("no-crossjumping")))
#endif
HG_EXPORT HG_NO_CROSSJUMP void *malloc(size_t n) { return alloc(n); }

#if defined(__clang__)
void *hg_malloc(size_t n) __attribute__((alias("malloc"), visibility("hidden")));
#else
void *hg_malloc(size_t n) __attribute__((alias("malloc"), copy(malloc), visibility("hidden")));
#endif

void *hg_alloc_aligned(size_t align, size_t n, enum hg_api api) { return alloc_aligned(align, n, api); }

/* free(NULL) needs no test here: page 0 is never the allocator's, so the fast path's
 * lookup misses and the slow path returns. */
HG_EXPORT void free(void *p) { hg_heap_free(p); }

HG_WIPED_EXPORT(void *, calloc, (size_t nmemb, size_t size)) {
  if (hg_trace_calls_now()) { hg_trace_call_enter(); return hg_trace_call_ptr(calloc(nmemb, size), "calloc(%zu, %zu)", nmemb, size); }
  size_t total;
  if (__builtin_mul_overflow(nmemb, size, &total)) return enomem();
  if (checking()) return hg_check_alloc(total, HG_ALIGNMENT, HG_API_CALLOC, true);
  void *p = alloc(total);
  if (!p) return NULL;
  if (total > HG_SMALL_MAX) {
    /* Pages fresh from the kernel (a new mapping, or never-used/purged heap pages)
     * are already zero: skipping the memset avoids touching them at all. */
    struct hg_span *s = hg_pagemap_get(p);
    if (s && s->zeroed && s->kind != HG_SPAN_SMALL) return p;
  }
  return memset(p, 0, total);
}

/* Move block p (usable bytes) to a new block of n bytes. */
static void *realloc_move(void *p, size_t usable, size_t n) {
  struct hg_heap *h = n <= HG_SMALL_MAX ? hg_heap_move_begin(n) : NULL;
  void *q = alloc(n);
  hg_heap_move_end(h);
  if (!q) return NULL;   /* errno is ENOMEM; p is untouched */
  memcpy(q, p, usable < n ? usable : n);
  free(p);
  return q;
}

HG_WIPED_EXPORT(void *, realloc, (void *p, size_t n)) {
  if (checking()) return hg_check_realloc(p, n);
  if (hg_trace_calls_now()) {   /* p is shown as a number: it may be freed by then */
    uintptr_t old = (uintptr_t)p;
    __asm__("" : "+r"(old));   /* a number now, for gcc's use-after-free warning too */
    hg_trace_call_enter();
    return hg_trace_call_ptr(realloc(p, n), "realloc(%p, %zu)", (void *)old, n);
  }
  if (!p) return alloc(n);
  if (n == 0) {   /* glibc: frees the block and returns NULL */
    free(p);
    return NULL;
  }
  struct hg_span *s;
  size_t usable = hg_block_usable(p, "realloc", &s);
  if (n > HG_MAX_REQUEST) return enomem();
  if (hg_unlikely(!s)) return realloc_move(p, usable, n);   /* a sampled block (guard.h) */
  switch (s->kind) {
  case HG_SPAN_SMALL:
    /* Stay in place unless the block would be less than half used. */
    if (n <= usable && n >= usable / 2) {
      if (hg_unlikely(hg_stats_on)) hg_stats_resized(p, n);
      return p;
    }
    /* Growing by less than a quarter: a quarter more, so a block grown step by step
     * (a string appended to) moves every other class, not into each of the eight
     * classes of a doubling, and all such blocks take the same classes on their way. */
    if (n > usable && n - usable < usable / 4 && usable + usable / 4 <= HG_SMALL_MAX) {
      void *q = realloc_move(p, usable, usable + usable / 4);
      if (q && hg_unlikely(hg_stats_on)) hg_stats_resized(q, n);
      return q;
    }
    break;
  case HG_SPAN_MEDIUM: {
    if (n <= HG_SMALL_MAX) break;
    size_t npages = (n + HG_PAGE - 1) >> HG_PAGE_SHIFT;
    if (npages < s->npages) hg_region_shrink(s, npages);
    if (npages <= s->npages || (!use_mmap(n) && hg_region_grow(s, npages))) {
      s->size = n;
      return p;
    }
    break;
  }
  case HG_SPAN_LARGE:
    if (n > HG_SMALL_MAX && hg_large_resize(s, n)) return s->base;
    if (n <= usable && n > usable / 2) {   /* mremap refused a shrink */
      s->size = n;
      return p;
    }
    break;
  default:
    break;
  }
  return realloc_move(p, usable, n);
}

HG_WIPED_EXPORT(void *, reallocarray, (void *p, size_t nmemb, size_t size)) {
  if (hg_trace_calls_now()) {
    uintptr_t old = (uintptr_t)p;
    __asm__("" : "+r"(old));
    hg_trace_call_enter();
    return hg_trace_call_ptr(reallocarray(p, nmemb, size), "reallocarray(%p, %zu, %zu)", (void *)old, nmemb, size);
  }
  size_t total;
  if (__builtin_mul_overflow(nmemb, size, &total)) return enomem();
  return realloc(p, total);
}

static bool power_of_two(size_t a) { return a && !(a & (a - 1)); }

HG_WIPED_EXPORT(int, posix_memalign, (void **out, size_t align, size_t n)) {
  if (hg_trace_calls_now()) {   /* strace's style: [the pointer stored] */
    hg_trace_call_enter();
    int r = posix_memalign(out, align, n);
    return hg_trace_call_int(r, r ? "posix_memalign(%p, %zu, %zu)" : "posix_memalign([%p], %zu, %zu)",
                             r ? (void *)out : *out, align, n);
  }
  if (!power_of_two(align) || align % sizeof(void *) != 0) return EINVAL;
  int saved = errno;
  void *p = alloc_aligned(align, n, HG_API_POSIX_MEMALIGN);
  /* A failure leaves errno ENOMEM, as glibc's does (its memalign sets it): a program
   * that perror()s after a failed posix_memalign says why under either. */
  if (!p) return errno = ENOMEM;
  errno = saved;
  *out = p;
  return 0;
}

/* glibc's memalign: an alignment that is not a power of two is rounded up to one; 0 if
 * there is none (the alignment is above the largest power of two). */
static size_t memalign_alignment(size_t align) {
  if (align > (SIZE_MAX >> 1) + 1) return 0;
  if (power_of_two(align)) return align;
  size_t a = HG_ALIGNMENT;
  while (a < align) a <<= 1;
  return a;
}

/* Whether the process's glibc fails aligned_alloc for an alignment that is not a power
 * of two, as C11's DR 460 allows and glibc does from 2.38; up to 2.37 aligned_alloc was
 * memalign under another name (Debian 12 has 2.36), and a drop-in replacement must not
 * fail a call that the libc it replaces serves.  Asked once: the version string is a
 * constant, and reading it neither allocates nor locks. */
static bool libc_rejects_odd_alignment(void) {
  static _Atomic int verdict;   /* 0 not asked yet, 1 no, 2 yes */
  int v = atomic_load_explicit(&verdict, memory_order_relaxed);
  if (hg_unlikely(!v)) {
    const char *s = gnu_get_libc_version();
    unsigned major = 0, minor = 0;
    while (*s >= '0' && *s <= '9') major = major * 10 + (unsigned)(*s++ - '0');
    if (*s == '.') s++;
    while (*s >= '0' && *s <= '9') minor = minor * 10 + (unsigned)(*s++ - '0');
    v = major > 2 || (major == 2 && minor >= 38) ? 2 : 1;
    atomic_store_explicit(&verdict, v, memory_order_relaxed);
  }
  return v == 2;
}

/* C11: the alignment should be a power of two; what else is asked gets the process's
 * glibc's answer (above). */
HG_WIPED_EXPORT(void *, aligned_alloc, (size_t align, size_t n)) {
  if (hg_trace_calls_now()) { hg_trace_call_enter(); return hg_trace_call_ptr(aligned_alloc(align, n), "aligned_alloc(%zu, %zu)", align, n); }
  if (hg_unlikely(!power_of_two(align))) {
    align = libc_rejects_odd_alignment() ? 0 : memalign_alignment(align);
    if (!align) {
      errno = EINVAL;
      return NULL;
    }
  }
  return alloc_aligned(align, n, HG_API_ALIGNED_ALLOC);
}

HG_WIPED_EXPORT(void *, memalign, (size_t align, size_t n)) {
  if (hg_trace_calls_now()) { hg_trace_call_enter(); return hg_trace_call_ptr(memalign(align, n), "memalign(%zu, %zu)", align, n); }
  align = memalign_alignment(align);
  if (!align) {
    errno = EINVAL;
    return NULL;
  }
  return alloc_aligned(align, n, HG_API_MEMALIGN);
}

HG_WIPED_EXPORT(void *, valloc, (size_t n)) {
  if (hg_trace_calls_now()) { hg_trace_call_enter(); return hg_trace_call_ptr(valloc(n), "valloc(%zu)", n); }
  return alloc_aligned(HG_PAGE, n, HG_API_VALLOC);
}

HG_WIPED_EXPORT(void *, pvalloc, (size_t n)) {
  if (hg_trace_calls_now()) { hg_trace_call_enter(); return hg_trace_call_ptr(pvalloc(n), "pvalloc(%zu)", n); }
  if (n > HG_MAX_REQUEST) return enomem();
  return alloc_aligned(HG_PAGE, hg_align_up(n ? n : 1, HG_PAGE), HG_API_PVALLOC);
}

HG_WIPED_EXPORT(size_t, malloc_usable_size, (void *p)) {
  if (!p) return 0;
  if (checking()) return hg_check_usable_size(p);
  return hg_block_usable(p, "malloc_usable_size", NULL);
}

/* glibc's internal names, used by some programs and libraries to reach "the real"
 * allocator: they must reach this one too. */
void *__libc_malloc(size_t n) HG_ALIAS(malloc);
void __libc_free(void *p) HG_ALIAS(free);
HG_WIPED_ALIAS(__libc_calloc, calloc)
HG_WIPED_ALIAS(__libc_realloc, realloc)
HG_WIPED_ALIAS(__libc_memalign, memalign)
HG_WIPED_ALIAS(__libc_valloc, valloc)
HG_WIPED_ALIAS(__libc_pvalloc, pvalloc)
void cfree(void *p) HG_ALIAS(free);

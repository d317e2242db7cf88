/* cxx.c — C++'s replaceable global allocation functions: operator new and operator
 * delete in every form of C++17 and C++20 (plain and [], nothrow, sized, align_val_t),
 * under their x86-64 Itanium-ABI names, written in C.
 *
 * Without them libstdc++'s operators call malloc and free, and check mode cannot tell
 * a delete[] of a malloc'd block, a free of a new'd one or a delete of a new[]'d one
 * (check_family.c): with them every block's record says which function made it.
 *
 * The default mode: each operator is malloc's or free's fast path inlined, the same
 * instructions (heap.h); only its miss goes elsewhere, to a slow path that knows the
 * form (check mode records the block as new's, new[]'s...; the other modes take
 * malloc's whole path: refills, sampling, stats, tracing).  An aligned form takes
 * memalign's path.
 *
 * The standard's semantics: a throwing form never returns NULL.  When the allocation
 * fails, the C++ runtime's own operator of the same form (libstdc++'s, found with
 * dlsym(RTLD_NEXT) at that moment, off the hot path) is called: it calls malloc (or
 * aligned_alloc) again, runs the new_handler loop and throws std::bad_alloc, or for a
 * nothrow form catches it and returns NULL.  So the library needs no C++ runtime of its
 * own, and a program that loads none never calls into one.  A program whose runtime
 * has no such operator (statically linked: ours are the only ones) gets the loop here,
 * with the runtime's std::get_new_handler and __throw_bad_alloc if they are linked
 * (weak references), else a fatal error; its nothrow forms return NULL after the loop
 * (a new_handler that throws cannot be caught in C: it ends such a call with the
 * exception).  Exceptions unwind through these functions: C on x86-64 has unwind
 * tables (.eh_frame), and no cleanup is needed here. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>

#include "api.h"
#include "check.h"
#include "guard.h"
#include "heap.h"
#include "init.h"
#include "trace.h"
#include "wipe.h"

/* The runtime's pieces for the loop without its operators (weak: absent in a program
 * without a C++ runtime). */
extern void (*_ZSt15get_new_handlerv(void))(void) __attribute__((weak));
extern void _ZSt17__throw_bad_allocv(void) __attribute__((weak, noreturn));

/* One attempt at a block of n bytes for operator new form `api` (align: 0 or the
 * align_val_t).  Sampled guard mode: when the sample is due, the block is sampled
 * here, recorded as new's or new[]'s (guard.h: hg_guard_sample_new), so that its
 * delete is checked against its form as in check mode; else a small request, which
 * new_inline counted, comes from the heap as in malloc's slow path (malloc would count
 * it again and could sample it as its own), a bigger one from malloc. */
static void *attempt(size_t n, size_t align, enum hg_api api) {
  if (align) return hg_alloc_aligned(align, n, api);
  hg_init();
  if (hg_unlikely(hg_check_on)) return hg_check_alloc(n, HG_ALIGNMENT, api, false);
  if (hg_unlikely(hg_guard_sampling)) {
    int saved = errno;   /* the first sample loads libunwind, whose set-up zeroes errno */
    void *g = hg_guard_sample_new(n, api);
    errno = saved;
    if (g) return g;
    if (n <= hg_sampled_fast_limit) return hg_heap_alloc(n);
  }
  return hg_malloc(n);
}

static bool aligned_form(enum hg_api api) { return api == HG_API_NEW_ALIGNED || api == HG_API_NEW_ARRAY_ALIGNED; }

/* The standard's loop, for a runtime without its own operators (none for an alignment
 * that is not a power of two: new_aligned). */
static void *new_loop(size_t n, size_t align, enum hg_api api, const void *nothrow) {
  for (bool bad = aligned_form(api) && (!align || (align & (align - 1))); !bad;) {
    void (*handler)(void) = _ZSt15get_new_handlerv ? _ZSt15get_new_handlerv() : NULL;
    if (!handler) break;
    handler();
    void *p = attempt(n, align, api);
    if (p) return p;
  }
  if (nothrow) return NULL;
  if (_ZSt17__throw_bad_allocv) _ZSt17__throw_bad_allocv();
  hg_fatal("operator new(%zu): out of memory, and no C++ runtime to throw std::bad_alloc", n);
}

/* The allocation for form api (nothrow: the nothrow_t argument, or NULL) failed.  The
 * runtime's operator decides: NULL (nothrow forms), a block (a new_handler freed
 * memory), or std::bad_alloc thrown through here.  Its block came from our malloc or
 * aligned_alloc: check mode records it as api's. */
static HG_COLD void *new_failed(size_t n, size_t align, enum hg_api api, const void *nothrow) {
  static const char *const names[2][4] = {
    { "_Znwm", "_Znam", "_ZnwmSt11align_val_t", "_ZnamSt11align_val_t" },
    { "_ZnwmRKSt9nothrow_t", "_ZnamRKSt9nothrow_t", "_ZnwmSt11align_val_tRKSt9nothrow_t",
      "_ZnamSt11align_val_tRKSt9nothrow_t" },
  };
  void *f = dlsym(RTLD_NEXT, names[nothrow != NULL][api - HG_API_NEW]);
  void *p;
  if (!f) {
    p = new_loop(n, align, api, nothrow);
  } else if (aligned_form(api)) {
    p = nothrow ? ((void *(*)(size_t, size_t, const void *))f)(n, align, nothrow)
                : ((void *(*)(size_t, size_t))f)(n, align);
  } else {
    p = nothrow ? ((void *(*)(size_t, const void *))f)(n, nothrow) : ((void *(*)(size_t))f)(n);
  }
  if (p && hg_check_on) hg_check_retag(p, api, n, align);
  return p;
}

static const char nothrow_tag;   /* a nothrow_t for the runtime's nothrow forms (unread) */

static bool is_array(enum hg_api api) {
  return api == HG_API_NEW_ARRAY || api == HG_API_NEW_ARRAY_ALIGNED || api == HG_API_DELETE_ARRAY ||
         api == HG_API_DELETE_ARRAY_SIZED || api == HG_API_DELETE_ARRAY_ALIGNED ||
         api == HG_API_DELETE_ARRAY_SIZED_ALIGNED;
}

/* Call tracing (trace.h): the operator's line, as the program called it, and under it
 * the kernel calls it made ("operator new[](24) = 0x...", "operator new(64,
 * align_val_t(64), nothrow) = ...").  The malloc inside is not traced (nested).  A
 * failure is traced before the runtime's operator takes over (its malloc calls are
 * traced as such, and it may throw). */
static HG_COLD HG_NOINLINE void *new_traced(size_t n, size_t align, enum hg_api api, const void *nothrow) {
  char aligned[48] = "";
  if (align) hg_format(aligned, sizeof aligned, ", align_val_t(%zu)", align);
  hg_trace_call_enter();
  void *p = hg_trace_call_ptr(attempt(n, align, api), "operator %s(%zu%s%s)", is_array(api) ? "new[]" : "new",
                              n, aligned, nothrow ? ", nothrow" : "");
  return p ? p : new_failed(n, align, api, nothrow);
}

static inline __attribute__((always_inline)) void *new_slow(size_t n, size_t align, enum hg_api api,
                                                            const void *nothrow) {
  if (hg_trace_calls_now()) return new_traced(n, align, api, nothrow);
  void *p = attempt(n, align, api);
  if (hg_likely(p)) return p;
  return new_failed(n, align, api, nothrow);
}

/* (Check mode's calls enter through the misses, new_aligned and delete_slow: wipe.h.) */
HG_WIPED_INTERNAL(void *, new_miss, (size_t n)) { return new_slow(n, 0, HG_API_NEW, NULL); }
HG_WIPED_INTERNAL(void *, new_array_miss, (size_t n)) { return new_slow(n, 0, HG_API_NEW_ARRAY, NULL); }
HG_WIPED_INTERNAL(void *, new_miss_nothrow, (size_t n)) { return new_slow(n, 0, HG_API_NEW, &nothrow_tag); }
HG_WIPED_INTERNAL(void *, new_array_miss_nothrow, (size_t n)) { return new_slow(n, 0, HG_API_NEW_ARRAY, &nothrow_tag); }

/* malloc's fast path (api.c's alloc, with sampled guard mode's countdown), missing to
 * `miss`.  In sampled mode a request counted here whose heap misses (a refill) is not
 * counted again (attempt). */
static inline __attribute__((always_inline)) void *new_inline(size_t n, void *(*miss)(size_t)) {
  if (hg_likely(n <= hg_fast_limit)) return hg_heap_alloc_or(n, miss);
  if (n <= hg_sampled_fast_limit && hg_likely(hg_guard_count_down(hg_tls_heap))) return hg_heap_alloc_or(n, miss);
  return miss(n);
}

/* An alignment that is not a power of two (undefined behaviour in C++) gets no block:
 * the runtime's operator answers it (libstdc++'s throws std::bad_alloc, its nothrow
 * forms return NULL), as it would without heapguard; memalign's rounding up made a
 * block of it. */
HG_WIPED_INTERNAL(void *, new_aligned, (size_t n, size_t align, enum hg_api api, const void *nothrow)) {
  if (hg_unlikely(!align || (align & (align - 1)))) return new_failed(n, align, api, nothrow);
  return new_slow(n, align, api, nothrow);
}

/* free()'s slow path; a block sampled by guard mode (outside the page map) goes to its
 * record, which checks the form against the block, as check mode does for all. */
static inline __attribute__((always_inline)) void delete_free(void *p, enum hg_api api, size_t size,
                                                              size_t align) {
  struct hg_span *s = hg_pagemap_get(p);
  if (hg_unlikely(!s) && p && hg_guard_sampling && hg_guard_slot_of((uintptr_t)p)) {
    hg_check_delete(p, api, size, align);
    return;
  }
  hg_heap_free_slow(p, s);
}

/* As new_traced: "operator delete[](0x...)", "operator delete(0x..., 24)" (sized),
 * "operator delete(0x..., align_val_t(64))", "operator delete(0x..., nothrow)" (the
 * nothrow deletes, which the runtime calls when a nothrow new's constructor throws),
 * and a delete of NULL too ("operator delete(0x0)"): a trace of calls shows every call
 * the program made, as ltrace would. */
static HG_COLD HG_NOINLINE void delete_traced(void *p, enum hg_api api, size_t size, size_t align, bool nothrow) {
  char more[80] = "";
  size_t k = 0;
  if (size != HG_SIZE_UNSAID) k = hg_format(more, sizeof more, ", %zu", size);
  if (align) k += hg_format(more + k, sizeof more - k, ", align_val_t(%zu)", align);
  if (nothrow) hg_format(more + k, sizeof more - k, ", nothrow");
  hg_trace_call_enter();
  delete_free(p, api, size, align);
  hg_trace_call_void("operator %s(%p%s)", is_array(api) ? "delete[]" : "delete", p, more);
}

/* The fast path missed: free()'s slow path, or check mode's, which checks the form
 * against the block.  (A delete of NULL is traced, as free(NULL) is: heap.c.) */
HG_WIPED_INTERNAL(void, delete_slow, (void *p, enum hg_api api, size_t size, size_t align, bool nothrow)) {
  if (hg_check_on) {
    if (p) hg_check_delete(p, api, size, align);
    return;
  }
  if (hg_unlikely(hg_trace_calls) && hg_trace_depth == 0) {
    delete_traced(p, api, size, align, nothrow);
    return;
  }
  delete_free(p, api, size, align);
}

#define DELETE(p, api, size, align, nothrow)                                                        \
  do {                                                                                              \
    if (hg_likely(hg_heap_free_fast(p))) return;                                                    \
    delete_slow(p, api, size, align, nothrow);                                                      \
  } while (0)

/* As for malloc (api.c): sampled mode's copy of the fast path whole, to its own ret. */
#if defined(__clang__)
#define HG_NO_CROSSJUMP
#else
#define HG_NO_CROSSJUMP __attribute__((optimize("no-crossjumping")))
#endif

/* The exported operators, each its prototype (for -Wmissing-prototypes) and its body.
 * NEW_FORM: new, new[] and their nothrow forms, malloc's fast path missing to `miss`
 * (the nothrow_t argument is an empty struct's reference: a pointer, unread);
 * NEW_ALIGNED_FORM: the align_val_t forms (C++17: the alignment is a size_t);
 * DELETE_FORM: delete and delete[], plain, nothrow (called when a nothrow new's
 * constructor throws), sized (C++14), aligned and both, with what the form says of the
 * block's size and alignment (HG_SIZE_UNSAID, 0: nothing) and whether it is a nothrow
 * form (for the trace of calls only). */
#define NEW_FORM(name, miss, ...)                                                                   \
  void *name(size_t n, ##__VA_ARGS__);                                                              \
  HG_EXPORT HG_NO_CROSSJUMP void *name(size_t n, ##__VA_ARGS__) { return new_inline(n, miss); }
#define NEW_ALIGNED_FORM(name, api, nothrow, ...)                                                   \
  void *name(size_t n, size_t align, ##__VA_ARGS__);                                                \
  HG_EXPORT void *name(size_t n, size_t align, ##__VA_ARGS__) { return new_aligned(n, align, api, nothrow); }
#define DELETE_FORM(name, api, size, align, nothrow, ...)                                           \
  void name(void *p, ##__VA_ARGS__);                                                                \
  HG_EXPORT void name(void *p, ##__VA_ARGS__) { DELETE(p, api, size, align, nothrow); }
#define UNREAD __attribute__((unused))
#define UNSAID HG_SIZE_UNSAID

NEW_FORM(_Znwm, new_miss)
NEW_FORM(_Znam, new_array_miss)
NEW_FORM(_ZnwmRKSt9nothrow_t, new_miss_nothrow, const void *nt UNREAD)
NEW_FORM(_ZnamRKSt9nothrow_t, new_array_miss_nothrow, const void *nt UNREAD)

NEW_ALIGNED_FORM(_ZnwmSt11align_val_t, HG_API_NEW_ALIGNED, NULL)
NEW_ALIGNED_FORM(_ZnamSt11align_val_t, HG_API_NEW_ARRAY_ALIGNED, NULL)
NEW_ALIGNED_FORM(_ZnwmSt11align_val_tRKSt9nothrow_t, HG_API_NEW_ALIGNED, nt, const void *nt)
NEW_ALIGNED_FORM(_ZnamSt11align_val_tRKSt9nothrow_t, HG_API_NEW_ARRAY_ALIGNED, nt, const void *nt)

DELETE_FORM(_ZdlPv, HG_API_DELETE, UNSAID, 0, false)
DELETE_FORM(_ZdaPv, HG_API_DELETE_ARRAY, UNSAID, 0, false)
DELETE_FORM(_ZdlPvRKSt9nothrow_t, HG_API_DELETE, UNSAID, 0, true, const void *nt UNREAD)
DELETE_FORM(_ZdaPvRKSt9nothrow_t, HG_API_DELETE_ARRAY, UNSAID, 0, true, const void *nt UNREAD)
DELETE_FORM(_ZdlPvm, HG_API_DELETE_SIZED, n, 0, false, size_t n)
DELETE_FORM(_ZdaPvm, HG_API_DELETE_ARRAY_SIZED, n, 0, false, size_t n)
DELETE_FORM(_ZdlPvSt11align_val_t, HG_API_DELETE_ALIGNED, UNSAID, align, false, size_t align)
DELETE_FORM(_ZdaPvSt11align_val_t, HG_API_DELETE_ARRAY_ALIGNED, UNSAID, align, false, size_t align)
DELETE_FORM(_ZdlPvmSt11align_val_t, HG_API_DELETE_SIZED_ALIGNED, n, align, false, size_t n, size_t align)
DELETE_FORM(_ZdaPvmSt11align_val_t, HG_API_DELETE_ARRAY_SIZED_ALIGNED, n, align, false, size_t n, size_t align)
DELETE_FORM(_ZdlPvSt11align_val_tRKSt9nothrow_t, HG_API_DELETE_ALIGNED, UNSAID, align, true, size_t align,
            const void *nt UNREAD)
DELETE_FORM(_ZdaPvSt11align_val_tRKSt9nothrow_t, HG_API_DELETE_ARRAY_ALIGNED, UNSAID, align, true, size_t align,
            const void *nt UNREAD)

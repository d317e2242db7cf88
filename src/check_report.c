/* check_report.c — check mode's (and guard mode's) error reports: a finding
 * (check_internal.h) printed Valgrind-style, what went wrong, where, and the block's
 * stacks.  The findings are made in check.c, under its lock; they are printed here once
 * it is released. */
#define _GNU_SOURCE
#include "check_internal.h"

#include <dlfcn.h>
#include <string.h>

#include "blocks.h"
#include "diag.h"
#include "guard.h"
#include "maps.h"
#include "options.h"
#include "pagemap.h"
#include "protect.h"
#include "region.h"
#include "suppress.h"
#include "xml.h"

/* Where a pointer the allocator does not own lies, in words. */
static void describe_foreign(uintptr_t a) {
  struct hg_mapping m = { 0 };
  char path[512];
  int found = hg_maps_find(a, &m, path, sizeof path);
  size_t gone = found == 0 ? hg_large_recently_unmapped((const void *)a) : 0;
  if (gone) {   /* a big block's own mapping (region.h: hg_region_alloc_mapped) */
    hg_diag_line(" Address %p is in a %zu-byte mapping that held a big block, unmapped when the "
                 "block was freed and left the quarantine", (void *)a, gone);
    return;
  }
  if (found <= 0) {
    hg_diag_line(found ? " Address %p: where it lies is unknown (/proc/self/maps cannot be read)"
                       : " Address %p is not mapped",
                 (void *)a);
    return;
  }
  uintptr_t here = (uintptr_t)__builtin_frame_address(0);
  if (strcmp(path, "[stack]") == 0 || (here >= m.start && here < m.end))
    hg_diag_line(" Address %p is on a thread's stack", (void *)a);
  else if (path[0] == '/' && m.writable)
    hg_diag_line(" Address %p is in a global or static variable (in %s)", (void *)a, path);
  else if (path[0] == '/')
    hg_diag_line(" Address %p is in read-only data or code (in %s)", (void *)a, path);
  else if (strcmp(path, "[heap]") == 0)
    hg_diag_line(" Address %p is in the brk heap, outside any block heapguard gave out", (void *)a);
  else
    hg_diag_line(" Address %p is in memory mapped by the program, not allocated by malloc", (void *)a);
}

/* What does not fit in a mismatch: the family (malloc, new, new[]), else the alignment
 * (aligned or not, or another value), else the size. */
enum mismatch { MM_FAMILY, MM_ALIGN, MM_SIZE };
static enum mismatch mismatch_of(const struct finding *f) {
  unsigned fa = hg_check_api_family[f->block.alloc_api], fd = hg_check_api_family[f->op];
  if ((fa ^ fd) & ~(unsigned)HG_FAMILY_ALIGNED) return MM_FAMILY;
  if (fa != fd || (f->align && f->align != hg_block_align(&f->block))) return MM_ALIGN;
  return MM_SIZE;
}

/* Whether api gives a block back: free or an operator delete. */
static bool releases(enum hg_api api) { return api == HG_API_FREE || (api >= HG_API_DELETE && api < HG_API_COUNT); }

static const char *kind_of(const struct finding *f) {
  switch (f->shape) {
  case F_OVERFLOW: return "heap-buffer-overflow";
  case F_UNDERFLOW: return "heap-buffer-underflow";
  case F_AFTER_FREE: return "heap-use-after-free";
  /* A deallocation of any form (free, every operator delete) of a freed block is a
   * double free, of another pointer an invalid free; realloc's are invalid-realloc,
   * malloc_usable_size's invalid-pointer.  (A double delete was "invalid-realloc":
   * bugs/bug_double_delete; malloc_usable_size of a freed block too:
   * bugs/bug_usable_size_bad.) */
  case F_DOUBLE_FREE:
  case F_BAD_POINTER:
    if (f->op == HG_API_REALLOC) return "invalid-realloc";
    if (!releases(f->op)) return "invalid-pointer";
    return f->shape == F_DOUBLE_FREE ? "double-free" : "invalid-free";
  case F_MISMATCH: {
    static const char *const kinds[] = { "mismatched-free", "mismatched-delete-alignment",
                                         "mismatched-delete-size" };
    return kinds[mismatch_of(f)];
  }
  }
  return "?";
}

static bool site_of(const struct finding *f, struct hg_supp_site *s);

/* An error found with no stack of its own, in its XML form (xml.h): its first <stack>
 * is the one a suppression matches it on (site_of), the free's for a write after
 * free, so that a viewer has a place in the source to show. */
static void xml_site_stack(const struct finding *f) {
  struct hg_supp_site site;
  if (!hg_xml_on || !site_of(f, &site)) return;
  hg_diag_xml_only = true;
  hg_stack_print(site.stack, hg_check_api_names[site.api]);
  hg_diag_xml_only = false;
}

static void print_where(const struct finding *f) {
  /* The call that found it is heapguard's (the symboliser's), and has no stack: said so,
   * rather than "(no stack recorded)" under the allocation function's name. */
  if (f->in_report && !f->where) {
    hg_diag_line("   (found %s%sby heapguard's own %s while it printed an earlier report)", f->when ? f->when : "",
                 f->when ? ", " : "", hg_check_api_names[f->where_api]);
    xml_site_stack(f);
  } else if (f->where_api != HG_API_NONE) {
    hg_stack_print(f->where, hg_check_api_names[f->where_api]);
  } else if (f->access) {
    hg_stack_print(f->where, NULL);
  } else {
    hg_diag_line("   (found %s)", f->when);
    xml_site_stack(f);
  }
}

/* How the bytes were touched: check mode finds written bytes; guard mode's faults say. */
static const char *access_word(const struct finding *f) {
  static const char *const words[] = { "write", "READ", "WRITE", "access" };
  return words[f->access];
}

static void print_block_origin(const struct hg_block *b) {
  if (b->state == HG_BLOCK_FREED) {
    hg_stack_print(b->free_stack, hg_check_api_names[b->free_api]);
    hg_diag_line(" Block was alloc'd at");
  }
  hg_stack_print(b->alloc_stack, hg_check_api_names[b->alloc_api]);
}

/* A family's word in a mismatch's headline, as Valgrind's "free() / delete / delete []". */
static const char *family_word(enum hg_api api, bool dealloc) {
  switch (hg_check_api_family[api] & ~HG_FAMILY_ALIGNED) {
  case HG_FAMILY_NEW: return dealloc ? "delete" : "new";
  case HG_FAMILY_NEW_ARRAY: return dealloc ? "delete[]" : "new[]";
  default: return !dealloc ? "malloc()" : api == HG_API_REALLOC ? "realloc()" : "free()";
  }
}

/* The deallocation does not fit the block (check_internal.h): the wrong family, or the
 * wrong size or alignment said by a sized or aligned delete. */
static void print_mismatch(const struct finding *f, const char *kind) {
  const struct hg_block *b = &f->block;
  unsigned fa = hg_check_api_family[b->alloc_api], fd = hg_check_api_family[f->op];
  enum mismatch m = mismatch_of(f);
  if (m == MM_FAMILY)
    hg_diag_line("ERROR: %s: Mismatched free() / delete / delete []: %s of a block from %s", kind,
                 family_word(f->op, true), family_word(b->alloc_api, false));
  else if (m == MM_ALIGN && !(fd & HG_FAMILY_ALIGNED))
    hg_diag_line("ERROR: %s: Mismatched new/delete alignment alloc value: %zu dealloc value: "
                 "default-aligned", kind, hg_block_align(b));
  else if (m == MM_ALIGN && !(fa & HG_FAMILY_ALIGNED))
    hg_diag_line("ERROR: %s: Mismatched new/delete alignment alloc value: default-aligned "
                 "dealloc value: %zu", kind, f->align);
  else if (m == MM_ALIGN)
    hg_diag_line("ERROR: %s: Mismatched new/delete alignment alloc value: %zu dealloc value: %zu", kind,
                 hg_block_align(b), f->align);
  else
    hg_diag_line("ERROR: %s: Mismatched new/delete size value: %zu (the block's size is %zu)", kind,
                 f->size, b->size);
  print_where(f);
  hg_diag_line(" Address %p is 0 bytes inside a block of size %zu alloc'd", (void *)f->addr, b->size);
}

/* The stack a suppression matches f on (suppress.h): its report's first, where it was
 * found; but for a write after free found later (a malloc pushing the block out of
 * the quarantine, the exit), the free's, the code that kept using the block, since the
 * finding call is unrelated; and the allocation's when no call found it (at exit, by
 * heapguard's own call).  A fault (guard mode, a protected freed block) is never
 * suppressed: the program cannot go on past the access. */
static bool site_of(const struct finding *f, struct hg_supp_site *s) {
  if (f->access) return false;
  if (f->shape == F_AFTER_FREE) {
    *s = (struct hg_supp_site){ f->block.free_stack, f->block.free_api, 0,
                                "found after the free: heapguard matches it on the free's stack" };
  } else if (f->where_api != HG_API_NONE && (f->where || !f->in_report)) {
    *s = (struct hg_supp_site){ f->where, f->where_api, 0, NULL };
  } else {
    *s = (struct hg_supp_site){ f->block.alloc_stack, f->block.alloc_api, 0,
                                "found without a call to name: heapguard matches it on the allocation's stack" };
  }
  return true;
}

bool hg_check_report(const struct finding *f) {
  const char *kind = kind_of(f);
  struct hg_supp_site site;
  bool suppressible = site_of(f, &site);
  if (hg_diag_error_site(kind, f->where, f->block.alloc_stack, suppressible ? &site : NULL) <= 0) return false;
  const struct hg_block *b = &f->block;
  uintptr_t user = hg_block_user(b);
  const char *op = hg_check_api_names[f->op];
  const char *state = b->state == HG_BLOCK_FREED ? "free'd" : "alloc'd";
  hg_diag_lock();
  hg_diag_thread(&f->thread);
  if (hg_xml_on)
    hg_xml_error(kind, f->access, hg_diag_context_number(kind, f->where, f->block.alloc_stack), &f->thread);
  switch (f->shape) {
  case F_OVERFLOW:
    hg_diag_line("ERROR: %s: %s past the end of a %zu-byte block", kind, access_word(f), b->size);
    print_where(f);
    hg_diag_line(" Address %p is %zu bytes after a block of size %zu %s", (void *)f->addr,
                 (size_t)(f->addr - (user + b->size)), b->size, state);
    break;
  case F_UNDERFLOW:
    hg_diag_line("ERROR: %s: %s before the start of a %zu-byte block", kind, access_word(f), b->size);
    print_where(f);
    hg_diag_line(" Address %p is %zu bytes before a block of size %zu %s", (void *)f->addr,
                 (size_t)(user - f->addr), b->size, state);
    break;
  case F_AFTER_FREE:
    hg_diag_line("ERROR: %s: %s %s a %zu-byte block after it was freed", kind, access_word(f),
                 f->access == 1 ? "of" : "to", b->size);
    print_where(f);
    hg_diag_line(" Address %p is %zu bytes inside a block of size %zu free'd", (void *)f->addr,
                 (size_t)(f->addr - user), b->size);
    break;
  case F_DOUBLE_FREE:
    hg_diag_line("ERROR: %s: %s(%p) of a block that was already freed", kind, op, (void *)f->addr);
    print_where(f);
    hg_diag_line(" Address %p is 0 bytes inside a block of size %zu free'd", (void *)f->addr, b->size);
    break;
  case F_BAD_POINTER:
    if (!b->slot) {
      bool in_heap = hg_pagemap_get((void *)f->addr) != NULL;
      hg_diag_line("ERROR: %s: %s(%p) of memory %s", kind, op, (void *)f->addr,
                   in_heap || hg_large_recently_unmapped((void *)f->addr) ? "that is not a live block"
                                                                           : "not allocated by malloc");
      print_where(f);
      if (in_heap)
        hg_diag_line(" Address %p is in heapguard's heap but in no live block (freed long ago, "
                     "or never handed out)", (void *)f->addr);
      else
        describe_foreign(f->addr);
      if (suppressible) hg_diag_suppression(kind, &site);
      hg_diag_unlock();
      return true;
    }
    hg_diag_line("ERROR: %s: %s(%p) of a pointer that is not the start of a block", kind, op,
                 (void *)f->addr);
    print_where(f);
    if (f->addr < user)
      hg_diag_line(" Address %p is %zu bytes before a block of size %zu %s", (void *)f->addr,
                   (size_t)(user - f->addr), b->size, state);
    else if (f->addr >= user + b->size)
      hg_diag_line(" Address %p is %zu bytes after a block of size %zu %s", (void *)f->addr,
                   (size_t)(f->addr - user - b->size), b->size, state);
    else
      hg_diag_line(" Address %p is %zu bytes inside a block of size %zu %s", (void *)f->addr,
                   (size_t)(f->addr - user), b->size, state);
    break;
  case F_MISMATCH:
    print_mismatch(f, kind);
    break;
  }
  print_block_origin(b);
  if (suppressible) hg_diag_suppression(kind, &site);
  hg_diag_unlock();
  return true;
}

bool hg_check_report_fault(uintptr_t addr, int access, hg_stack_t where) {
  /* A guarded slot's page, or (check mode) a page of the heap: maybe a protected
   * quarantined block's (protect.h). */
  uintptr_t slot = hg_guard_slot_of(addr);
  bool heap = !slot && hg_protect_may_hold(addr);
  if ((!slot && !heap) || !hg_check_lock_patiently()) return false;
  struct hg_block *b = heap ? hg_blocks_lookup(addr, &slot) : hg_blocks_find(slot);
  struct finding f = { .addr = addr, .where = where, .where_api = HG_API_NONE,
                       .access = access < 0 ? 3 : access + 1 };
  if (b) f.block = *b;
  hg_check_unlock();
  if (!b) return false;
  hg_thread_id_get(&f.thread);
  uintptr_t user = hg_block_user(&f.block), lo, hi;
  if (heap) {
    /* Only a protected page faults; the block may have left meanwhile (then the access
     * is the program's to repeat: not ours). */
    if (!(f.block.flags & HG_BLOCK_PROTECTED) || !hg_protect_range(&f.block, &lo, &hi) || addr < lo ||
        addr >= hi)
      return false;
    f.shape = F_AFTER_FREE;
    hg_check_report(&f);
    return true;
  }
  if (!(f.block.flags & HG_BLOCK_GUARDED)) return false;
  if (addr < user) f.shape = F_UNDERFLOW;
  else if (addr >= user + f.block.size) f.shape = F_OVERFLOW;
  else if (f.block.state == HG_BLOCK_FREED) f.shape = F_AFTER_FREE;
  else return false;   /* a live block's own bytes do not fault */
  hg_check_report(&f);
  return true;
}

bool hg_check_block_near(uintptr_t addr, struct hg_block *out) {
  if (!hg_check_lock_patiently()) return false;
  uintptr_t slot;
  struct hg_block *b = hg_blocks_lookup(addr, &slot);
  /* Not in a slot: maybe in the page past the end of a block's (a large block's
   * mapping ends there, a guarded slot's guard page is mapped). */
  if (!b && addr >= HG_PAGE) {
    b = hg_blocks_lookup(addr - HG_PAGE, &slot);
    if (b && addr < hg_block_user(b) + b->size) b = NULL;
  }
  if (b) *out = *b;
  hg_check_unlock();
  return b != NULL;
}

void hg_check_describe_address(uintptr_t a) {
  struct hg_block b;
  if (!hg_check_block_near(a, &b)) {
    describe_foreign(a);
    return;
  }
  uintptr_t user = hg_block_user(&b);
  bool freed = b.state == HG_BLOCK_FREED;
  const char *state = freed ? "free'd" : "alloc'd";
  if (a < user)
    hg_diag_line(" Address %p is %zu bytes before a block of size %zu %s%s", (void *)a,
                 (size_t)(user - a), b.size, state, freed ? "" : " (an underflow)");
  else if (a >= user + b.size)
    hg_diag_line(" Address %p is %zu bytes after a block of size %zu %s%s", (void *)a,
                 (size_t)(a - user - b.size), b.size, state, freed ? "" : " (an overflow)");
  else
    hg_diag_line(" Address %p is %zu bytes inside a block of size %zu %s%s", (void *)a,
                 (size_t)(a - user), b.size, state, freed ? " (a use after free)" : "");
  print_block_origin(&b);
}

/* Whether the first frame of stack id is in a function whose exported name starts with
 * one of two prefixes (dladdr: the loader's lock, none of ours, is taken). */
static bool first_frame_in(hg_stack_t id, const char *p1, const char *p2) {
  unsigned n = 0;
  bool exact = false;
  const uintptr_t *frames = id ? hg_stack_frames(id, &n, &exact) : NULL;
  if (!frames || !n) return false;
  Dl_info info;
  uintptr_t pc = frames[0] - (exact ? 0 : 1);   /* a return address: the call is before it */
  if (!dladdr((void *)pc, &info) || !info.dli_sname) return false;
  return strncmp(info.dli_sname, p1, strlen(p1)) == 0 || strncmp(info.dli_sname, p2, strlen(p2)) == 0;
}

/* A mismatch of families that is two objects' operators, each pair right: a library
 * with an operator new and delete of its own that call malloc and free (libstdc++ linked
 * into it, as into rustc's libLLVM, whose new'd strings rust-lld deletes with the
 * process's delete, heapguard's), or a program's own operator delete calling free on a
 * block from the process's new.  Underneath it is malloc's block given to free, as it
 * is without heapguard: not reported (Valgrind reports it, and says to turn its
 * mismatch reports off).  Told by the name of the function the block's allocation was
 * called from (an operator new: _Znwm..., _Znam...) or the free (an operator delete),
 * when the size and alignment said fit. */
static bool operators_of_two_objects(const struct finding *f) {
  if (f->shape != F_MISMATCH || mismatch_of(f) != MM_FAMILY) return false;
  if ((f->size != HG_SIZE_UNSAID && f->size != f->block.size) ||
      (f->align && f->align != hg_block_align(&f->block)))
    return false;
  unsigned fa = hg_check_api_family[f->block.alloc_api] & ~(unsigned)HG_FAMILY_ALIGNED;
  unsigned fd = hg_check_api_family[f->op] & ~(unsigned)HG_FAMILY_ALIGNED;
  if (fa == HG_FAMILY_MALLOC) return first_frame_in(f->block.alloc_stack, "_Znwm", "_Znam");
  if (fd == HG_FAMILY_MALLOC) return first_frame_in(f->where, "_ZdlPv", "_ZdaPv");
  return false;
}

/* Sampled guard mode in a silent fork child (diag.h: no context is new there, so
 * hg_check_report prints nothing and says so): whether f would have been reported,
 * i.e. whether it ends the child, as it would end a child that is not silent and as
 * the default mode's double free does.  Only a suppression spares it. */
static bool ends_silent_child(const struct finding *f) {
  struct hg_supp_site site;
  return !(site_of(f, &site) && hg_supp_loaded && hg_diag_suppressed(kind_of(f), &site));
}

static bool report_one(const struct finding *f) {
  if (operators_of_two_objects(f)) return false;
  if (hg_unlikely(hg_diag_silent) && !hg_check_on) return ends_silent_child(f);
  /* (Sampled mode goes on after a suppressed error: not printed, not the program's end.) */
  return hg_check_report(f);
}

void hg_check_report_all(const struct findings *fs) {
  unsigned reported = 0;
  for (unsigned i = 0; i < fs->n; i++) reported += report_one(&fs->f[i]);
  /* Sampled guard mode runs in the default allocator, which stops at any heap error. */
  if (reported && !hg_check_on) hg_guard_sampled_error();
}

/* ---- findings made while a report is printed (check.h: hg_check_report_deferred) ------ */

/* The report lock's: only the thread printing a report adds to it (hg_check_defer) or
 * prints from it.  A report's symbolisation frees about 4 KiB in 24 calls the first
 * time (libdw loading), less later: with a quarantine full of blocks written after
 * free, some 35 findings of 16-byte blocks, about 100 bytes each in the quarantine
 * (bugs/bug_report_in_report).  A fixed array, no allocation: the blocks past its
 * room wait in the quarantine (hg_check_evict_above). */
#define DEFERRED_MAX (4 * MAX_FINDINGS)
static struct {
  unsigned n, next;   /* f[next .. n-1] wait; reset when all are printed */
  bool holding;       /* hg_check_evict_above raised */
  struct finding f[DEFERRED_MAX];
} deferred;

bool hg_check_defer(const struct findings *fs) {
  if (fs->n > DEFERRED_MAX - deferred.n) return false;
  for (unsigned i = 0; i < fs->n; i++) {
    struct finding *f = &deferred.f[deferred.n++];
    *f = fs->f[i];
    f->in_report = true;
  }
  /* Evictions held back while room is left for more than a batch (a call's findings,
   * at most MAX_FINDINGS): what the calls of the symboliser's may still find then (the
   * blocks one free pushes out of the quarantine, a bad pointer of its own).  A
   * finding that finds no room is printed at once, inside the report: never lost. */
  if (DEFERRED_MAX - deferred.n < 2 * MAX_FINDINGS) {
    deferred.holding = true;
    hg_check_evict_above = SIZE_MAX;
  }
  return true;
}

void hg_check_report_deferred(void) {
  if (hg_likely(deferred.next == deferred.n)) return;
  unsigned reported = 0;
  /* Printing one may defer more (its own symbolisation): they are printed in turn. */
  while (deferred.next < deferred.n) reported += report_one(&deferred.f[deferred.next++]);
  deferred.n = deferred.next = 0;
  if (deferred.holding) {
    hg_check_lock();
    hg_check_evict_above = hg_opt.quarantine;
    hg_check_unlock();
    deferred.holding = false;
  }
  if (reported && !hg_check_on) hg_guard_sampled_error();
}

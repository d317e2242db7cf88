/* guard.c — guarded slots, their index, their limits, guard mode's spares (see guard.h;
 * sampled mode's pool and countdown are in guard_sample.c, the fault handler in
 * fault.c). */
#define _GNU_SOURCE
#include "guard_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "check.h"
#include "diag.h"
#include "init.h"
#include "lock.h"
#include "options.h"
#include "os.h"
#include "stack.h"

bool hg_guard_on;
bool hg_guard_sampling;

/* ---- the index: page -> slot ---------------------------------------------------------- *
 * A two-level radix tree over the 47-bit address space, like the page map's (17 + 18
 * bits of page number), with 32-bit entries: for a page of a guarded mapping,
 * page - slot's page + 2 (so the guard page before a slot is 1); 0 for any other page.
 * A leaf covers 1 GiB of address space with 1 MiB of entries, resident only where
 * touched.  The root and the leaves are mapped when first needed and never freed, so a
 * lookup (the fault handler's too) never reads freed memory; entries are written with
 * relaxed atomic stores, leaves created under index_lock.  Bit 31 is a flag, RETIRED. */
#define ROOT_BITS 17
#define LEAF_BITS 18
_Static_assert(HG_PAGE_SHIFT + LEAF_BITS + ROOT_BITS == 47, "the index covers 47 bits");

typedef _Atomic uint32_t entry_t;
/* A flag in a slot's first data page's entry (guard mode): the slot is retired. */
#define RETIRED ((uint32_t)1 << 31)
static entry_t *_Atomic *_Atomic root;
static hg_lock_t index_lock HG_FORK_DATA = HG_LOCK_INIT;

static entry_t *leaf_of(uintptr_t page, bool create) {
  entry_t *_Atomic *r = atomic_load_explicit(&root, memory_order_acquire);
  size_t i = (size_t)(page >> LEAF_BITS) & (((size_t)1 << ROOT_BITS) - 1);
  entry_t *leaf = r ? atomic_load_explicit(&r[i], memory_order_acquire) : NULL;
  if (leaf || !create) return leaf;
  hg_lock(&index_lock);
  r = atomic_load_explicit(&root, memory_order_relaxed);
  if (!r) {
    size_t bytes = sizeof(*r) << ROOT_BITS;
    r = hg_os_map(bytes);
    if (r) {
      hg_os_no_huge_pages(r, bytes);
      atomic_store_explicit(&root, r, memory_order_release);
    }
  }
  if (r) {
    leaf = atomic_load_explicit(&r[i], memory_order_relaxed);
    if (!leaf) {
      size_t bytes = sizeof(entry_t) << LEAF_BITS;
      leaf = hg_os_map(bytes);
      if (leaf) {
        hg_os_no_huge_pages(leaf, bytes);
        atomic_store_explicit(&r[i], leaf, memory_order_release);
      }
    }
  }
  hg_unlock(&index_lock);
  return leaf;
}

/* Index pages [start, start + npages pages) as belonging to slot (0: forget them). */
bool hg_guard_index_set(uintptr_t start, size_t npages, uintptr_t slot) {
  uintptr_t first = start >> HG_PAGE_SHIFT, slot_page = slot >> HG_PAGE_SHIFT;
  entry_t *leaf = NULL;
  for (uintptr_t page = first; page < first + npages; page++) {
    if (!leaf || (page & (((uintptr_t)1 << LEAF_BITS) - 1)) == 0) {
      leaf = leaf_of(page, slot != 0);
      if (!leaf) {
        if (slot) return false;
        continue;   /* forgetting: a missing leaf has no entry to clear */
      }
    }
    uint32_t e = slot ? (uint32_t)(page - slot_page + 2) : 0;
    atomic_store_explicit(&leaf[page & (((uintptr_t)1 << LEAF_BITS) - 1)], e, memory_order_relaxed);
  }
  return true;
}

uintptr_t hg_guard_slot_of(uintptr_t a) {
  if (a >> (HG_PAGE_SHIFT + LEAF_BITS + ROOT_BITS)) return 0;
  uintptr_t page = a >> HG_PAGE_SHIFT;
  entry_t *leaf = leaf_of(page, false);
  if (!leaf) return 0;
  uint32_t e = atomic_load_explicit(&leaf[page & (((uintptr_t)1 << LEAF_BITS) - 1)], memory_order_relaxed);
  e &= ~RETIRED;
  return e ? (page + 2 - e) << HG_PAGE_SHIFT : 0;
}

/* The retired mark of guard mode's slot `slot` (its first data page's entry): its data
 * pages are PROT_NONE and empty, so it may be kept as a spare (below). */
static void set_retired(uintptr_t slot, bool on) {
  uintptr_t page = slot >> HG_PAGE_SHIFT;
  entry_t *leaf = leaf_of(page, false);
  if (!leaf) return;
  entry_t *e = &leaf[page & (((uintptr_t)1 << LEAF_BITS) - 1)];
  if (on) atomic_fetch_or_explicit(e, RETIRED, memory_order_relaxed);
  else atomic_fetch_and_explicit(e, ~RETIRED, memory_order_relaxed);
}

static bool is_retired(uintptr_t slot) {
  uintptr_t page = slot >> HG_PAGE_SHIFT;
  entry_t *leaf = leaf_of(page, false);
  return leaf && (atomic_load_explicit(&leaf[page & (((uintptr_t)1 << LEAF_BITS) - 1)],
                                       memory_order_relaxed) & RETIRED);
}

/* ---- limits ------------------------------------------------------------------------- */

/* Mappings (VMAs) our slots may use: two per slot (data pages and guard page; a freed
 * slot is all PROT_NONE and may merge into one, but is counted as two).  The budget
 * leaves an eighth of vm.max_map_count (at least 1024) to the program and to
 * heapguard's other mappings.  (Sampled mode has its pool instead.) */
static _Atomic size_t mappings;
static _Atomic size_t mapped_bytes;   /* guard mode's slots: data and guard pages */
static size_t map_limit = 65530;   /* the kernel's default, until hg_guard_start reads it */
static bool map_limit_unknown;     /* the file could not be read (no /proc): 65530 assumed */
static size_t budget HG_DEFAULT_DATA;
static _Atomic bool warned;
static int refusal_error;   /* hg_os_refusal() at the last refusal, for the warning */

static void set_budget(void) {
  size_t keep = map_limit / 8 > 1024 ? map_limit / 8 : 1024;
  budget = map_limit > keep + 64 ? map_limit - keep : 64;
}

static void read_map_limit(void) {
  int fd = open("/proc/sys/vm/max_map_count", O_RDONLY | O_CLOEXEC);
  map_limit_unknown = true;
  if (fd < 0) return;
  char buf[32];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  size_t v = 0;
  for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) v = v * 10 + (size_t)(buf[i] - '0');
  if (v) map_limit = v;
  map_limit_unknown = !v;
}

/* Guard mode's one warning: from here on some blocks get redzones only.  At the mapping
 * limit it ends with what raises the limit (a user reading it needs the knob's name and
 * a value: 262144 as the README says, or four times a limit already past it).  A call
 * that a sandbox forbids (a seccomp filter's EPERM or ENOSYS, a security module's
 * EACCES: hg_os_forbidden) is said to be that, with its error, and no limit is blamed
 * (the warning said "mapping limit" and told to raise vm.max_map_count for a refused
 * mprotect: tests/programs/seccomp.sh). */
void hg_guard_fell_back(enum hg_guard_refusal why) {
  if (!hg_guard_on || why == HG_GUARD_MADE || atomic_exchange(&warned, true)) return;
  char cause[224], raise[96] = "";
  int error = refusal_error;
  bool forbidden = why != HG_GUARD_NO_BUDGET && hg_os_forbidden(error);
  /* Without /proc the limit is the kernel's default, assumed: said, since the real one
   * may be higher (and the warning then early). */
  if (why == HG_GUARD_NO_BUDGET)
    hg_format(cause, sizeof cause, "%zu guarded blocks are near the limit of vm.max_map_count (%zu%s)",
              budget / 2, map_limit, map_limit_unknown ? ", assumed: /proc/sys/vm/max_map_count cannot be read" : "");
  else if (forbidden)
    hg_format(cause, sizeof cause, "the kernel refused %s (error %d: forbidden by a seccomp filter or a security "
              "policy, not a lack of memory)", why == HG_GUARD_NO_MEMORY ? "a mapping" : "a guard page's mprotect",
              error);
  else if (why == HG_GUARD_NO_MEMORY)
    hg_format(cause, sizeof cause, "the kernel refused a mapping (out of memory or address space)");
  else
    hg_format(cause, sizeof cause, "the kernel refused a guard page (mapping limit)");
  if (why != HG_GUARD_NO_MEMORY && !forbidden)
    hg_format(raise, sizeof raise, "; to raise the limit: sysctl -w vm.max_map_count=%zu",
              map_limit < 262144 ? (size_t)262144 : map_limit * 4);
  hg_diag_line("WARNING: guard mode: %s; new blocks get check mode's redzones instead of a "
               "guard page (overflows found at free, bad reads not at all) while this lasts%s",
               cause, raise);
}

/* Sampled mode: HEAPGUARD_SAMPLE_QUARANTINE, at most half the pool (the rest for live
 * blocks).  Each quarantined slot keeps its page resident (PROT_NONE): dropping it
 * (MADV_DONTNEED, in batches) would make its next use fault a zeroed page in, 2-5 us
 * on the virtual machine measured, against a sample's 5: 2x the CPU time of wl_churn
 * at 1 in 100.  So the quarantine's length is its memory: 64 slots, 256 KiB. */
size_t hg_guard_quarantine_max(void) {
  if (!hg_guard_sampling) return budget / 4;
  size_t half = (hg_opt.sample_max + 1) / 2;
  return hg_opt.sample_quarantine < half ? hg_opt.sample_quarantine : half;
}

/* ---- guarded slots ------------------------------------------------------------------ */

/* The least alignment of a malloc'd block: HEAPGUARD_GUARD_ALIGN (guard mode) or
 * HEAPGUARD_SAMPLE_ALIGN (sampled), rounded up to a power of two from 1 to 16.  Both
 * default to 16, glibc's and C's for a block of 16 bytes or more: less crashes correct
 * programs that rely on it with aligned SSE accesses (a 40-byte object zeroed with movaps
 * by clang, CPython's ctypes callbacks, Rust's hashbrown, with guard mode's old default
 * of 8), and less than 8 also breaks programs that check the alignment of objects whose
 * size is a header plus an odd number of bytes (CPython).  The lower values are opt-ins
 * for a debugging run that wants the fault at the first byte past a block's end.  A
 * block under 16 bytes gets 16 too although C asks only the largest power of two not
 * above its size: glibc and heapguard's own size classes give 16, a program tested only
 * on them may rely on it (4 tag bits in such a pointer), and what 8 would buy is the
 * exact fault for 8-byte blocks alone; the slack is checked for writes at free. */
static size_t least_alignment HG_DEFAULT_DATA;

size_t hg_guard_least_alignment(void) { return least_alignment; }

/* The largest power of two dividing n, at least least_alignment, at most 16 (16 for 0). */
static size_t natural_alignment(size_t n) {
  size_t low = n & (~n + 1);
  if (low == 0 || low > HG_ALIGNMENT) return HG_ALIGNMENT;
  return low < least_alignment ? least_alignment : low;
}

/* Guard mode's spare slots.  A slot of up to SPARE_PAGES data pages leaving the
 * quarantine is kept, still mapped, PROT_NONE, empty (its retire dropped the pages) and
 * indexed, for the next block of the same number of pages: making its data pages
 * read-write again is one mprotect, where a new slot costs mmap and the guard page's
 * mprotect, and the old one's munmap.  Each of those calls walks and rewrites a VMA tree
 * that the quarantine keeps about 15,000 mappings deep (docs/architecture.md, guard
 * mode's cost).  The guard page is never touched, so it stays a guard; the slot's index
 * entries stay as they are.  Only a slot of exactly the size asked for serves: a bigger
 * one would leave accessible pages before the block, or need its index rewritten.
 *
 * Bounded: at most SPARE_SLOTS spares holding at most SPARE_DATA_PAGES data pages (16 MiB
 * of address space, none of it resident).  A spare still counts its two mappings; when
 * the budget or the kernel refuses a new slot, every spare is unmapped first and the
 * request tried again, so the spares never cost a program a guarded block.  A spare has
 * no record, so an access to it faults and is not ours to report, as an access to an
 * unmapped slot would be.  LIFO per page count: the last slot back is the most likely to
 * have its page tables and VMA in cache.  The entries are one array, each page count's
 * a list through `next` (index + 1; 0 ends a list). */
#define SPARE_PAGES 16
#define SPARE_SLOTS 1024
#define SPARE_DATA_PAGES 4096
static struct spare {
  uintptr_t slot;
  uint16_t next;
} spare_entry[SPARE_SLOTS];
static uint16_t spare_head[SPARE_PAGES + 1];   /* by data pages: a list of entries */
static uint16_t spare_unused;                  /* entries given back: a list */
static size_t spare_fresh;                     /* entries never used: [spare_fresh, SPARE_SLOTS) */
static _Atomic size_t spare_pages;             /* data pages held (read unlocked: spares_drop) */
static hg_lock_t spare_lock HG_FORK_DATA = HG_LOCK_INIT;

/* A spare of `pages` data pages, taken out of the list; 0 if none. */
static uintptr_t spare_take(size_t pages) {
  hg_lock(&spare_lock);
  uintptr_t slot = 0;
  uint16_t i = spare_head[pages];
  if (i) {
    struct spare *e = &spare_entry[i - 1];
    slot = e->slot;
    spare_head[pages] = e->next;
    e->next = spare_unused;
    spare_unused = i;
    atomic_store_explicit(&spare_pages, atomic_load_explicit(&spare_pages, memory_order_relaxed) - pages,
                          memory_order_relaxed);
  }
  hg_unlock(&spare_lock);
  return slot;
}

/* Keep slot (retired, `pages` data pages) as a spare: false if there is no room. */
static bool spare_give(uintptr_t slot, size_t pages) {
  hg_lock(&spare_lock);
  uint16_t i = 0;
  size_t held = atomic_load_explicit(&spare_pages, memory_order_relaxed);
  if (held + pages <= SPARE_DATA_PAGES) {
    if (spare_unused) {
      i = spare_unused;
      spare_unused = spare_entry[i - 1].next;
    } else if (spare_fresh < SPARE_SLOTS) {
      i = (uint16_t)++spare_fresh;
    }
  }
  if (i) {
    spare_entry[i - 1] = (struct spare){ slot, spare_head[pages] };
    spare_head[pages] = i;
    atomic_store_explicit(&spare_pages, held + pages, memory_order_relaxed);
  }
  hg_unlock(&spare_lock);
  return i != 0;
}

static void unmap_slot(uintptr_t slot, size_t raw);

/* Unmap spares because a new slot was refused: one when the mapping budget is spent (a
 * spare's two mappings make room for the new slot; the others wait for blocks of their
 * size), every one when the kernel refused a mapping (for want of address space: how
 * much is not known).  False if there was none.  A program past the budget comes here
 * at every allocation that no spare of its size serves (CPython with PYTHONMALLOC=malloc
 * has more live blocks than the budget has slots), so no spare is one relaxed load. */
static bool spares_drop(bool all) {
  bool any = false;
  while (atomic_load_explicit(&spare_pages, memory_order_relaxed)) {
    uintptr_t slot = 0;
    size_t pages = SPARE_PAGES + 1;
    while (!slot && --pages) slot = spare_take(pages);   /* the biggest first */
    if (!slot) break;
    unmap_slot(slot, pages << HG_PAGE_SHIFT);
    any = true;
    if (!all) break;
  }
  return any;
}

/* A page before every slot, in both modes.  With the guard page before the block, it is
 * that guard page.  With the guard page after it, the slot's mapping starts one page
 * before the slot all the same: a block whose size is a multiple of the page starts at
 * its slot's first byte, which was its mapping's, so where a mapping below it ended or
 * where one unmapped before had begun; a pointer kept to either then named the block,
 * and the leak scan found it reachable.  The loader keeps two: one past the end of its
 * first allocations' page and the start of its cache file, unmapped once the program
 * runs, where the first guarded blocks are then mapped (guard/bug_leak_indirect_pages
 * failed once /etc/ld.so.cache had grown by some packages).  That page is a guard
 * marker where the kernel has them (Linux 6.13: it faults, an underflow of the block,
 * without a mapping of its own); elsewhere it is read-write and never touched.  It
 * takes its slot's protection (retire, spares), so that it adds no kernel mapping. */
#define PAD_BEFORE (hg_guard_before() ? 0 : HG_PAGE)
static _Atomic bool no_guard_markers;

static void pad_guard(uintptr_t pad) {
  if (atomic_load_explicit(&no_guard_markers, memory_order_relaxed)) return;
  if (!hg_os_guard_pages((void *)pad, HG_PAGE)) atomic_store_explicit(&no_guard_markers, true, memory_order_relaxed);
}

bool hg_guard_map(size_t n, size_t align, bool natural, struct hg_guard_slot *g) {
  g->refused = HG_GUARD_MADE;
  size_t a = natural ? natural_alignment(n) : align;
  if (n > HG_MAX_REQUEST - a - 2 * HG_PAGE || a > HG_MAX_REQUEST / 4) return false;
  size_t body = hg_align_up(n, a);                 /* user's start to the slot's end */
  /* A block of 0 bytes ends where it starts, against the guard page: with an
   * alignment above the page the slot is a multiple of it, so that this end is aligned
   * too (with body > 0 it is already: body is a multiple of a). */
  size_t raw = hg_align_up(body ? body : 1, a > HG_PAGE ? a : HG_PAGE), pad = PAD_BEFORE;
  size_t total = raw + HG_PAGE + pad;
  bool before = !pad;   /* (the mapping then starts with the guard page, else with pad) */
  if (hg_guard_sampling) {
    uintptr_t slot = raw == HG_PAGE && a <= HG_PAGE ? hg_guard_pool_take() : 0;
    if (!slot) return false;
    g->slot = slot;
    g->raw = raw;
    g->user = before ? slot : slot + raw - body;   /* (the pool's own layout) */
    return true;
  }
  if (raw <= SPARE_PAGES * HG_PAGE && a <= HG_PAGE) {
    for (uintptr_t spare; (spare = spare_take(raw >> HG_PAGE_SHIFT));) {
      if (hg_os_protect((void *)(spare - pad), raw + pad, true)) {
        set_retired(spare, false);
        g->slot = spare;
        g->raw = raw;
        g->user = before ? spare : spare + raw - body;
        return true;
      }
      unmap_slot(spare, raw);
    }
  }
  while (atomic_fetch_add(&mappings, 2) + 2 > budget) {
    atomic_fetch_sub(&mappings, 2);
    if (spares_drop(false)) continue;
    g->refused = HG_GUARD_NO_BUDGET;
    return false;
  }
  uintptr_t m;
map:
  if (a <= HG_PAGE) {
    m = (uintptr_t)hg_os_map(total);
  } else {   /* over-map, keep the part that puts the slot on an `a` boundary */
    uintptr_t base = (uintptr_t)hg_os_map(total + a);
    m = 0;
    if (base) {
      m = hg_align_up(base + HG_PAGE, a) - HG_PAGE;
      if (m > base) hg_os_unmap((void *)base, m - base);
      if (base + total + a > m + total) hg_os_unmap((void *)(m + total), base + total + a - (m + total));
    }
  }
  if (!m && spares_drop(true)) goto map;   /* their address space, under RLIMIT_AS */
  if (!m) {
    atomic_fetch_sub(&mappings, 2);
    g->refused = HG_GUARD_NO_MEMORY;
    refusal_error = hg_os_refusal();
    return false;
  }
  uintptr_t slot = m + HG_PAGE, guard = before ? m : slot + raw;   /* a page before it either way */
  bool protected = hg_os_protect((void *)guard, HG_PAGE, false);
  if (protected && pad) pad_guard(m);
  if (!protected || !hg_guard_index_set(m, total >> HG_PAGE_SHIFT, slot)) {
    refusal_error = protected ? ENOMEM : hg_os_refusal();   /* (the index: metadata) */
    hg_guard_index_set(m, total >> HG_PAGE_SHIFT, 0);
    hg_os_unmap((void *)m, total);
    atomic_fetch_sub(&mappings, 2);
    g->refused = HG_GUARD_NO_PAGE;
    return false;
  }
  atomic_fetch_add_explicit(&mapped_bytes, total, memory_order_relaxed);
  g->slot = slot;
  g->raw = raw;
  g->user = before ? slot : slot + raw - body;
  return true;
}

size_t hg_guard_mapped_bytes(void) {
  if (hg_guard_sampling) return hg_guard_pool_mapped_bytes();
  return atomic_load_explicit(&mapped_bytes, memory_order_relaxed);
}

bool hg_guard_retire(uintptr_t slot, size_t raw) {
  if (hg_guard_in_pool(slot)) return hg_guard_pool_retire(slot);
  /* Retired (so kept as a spare later) only if its pages were dropped: a spare must
   * come back zeroed, with none of its last block's bytes. */
  bool dropped = hg_os_decommit((void *)slot, raw);
  if (!hg_os_protect((void *)(slot - PAD_BEFORE), raw + PAD_BEFORE, false)) return false;
  if (dropped) set_retired(slot, true);
  return true;
}

void hg_guard_unmap(uintptr_t slot, size_t raw) {
  if (hg_guard_in_pool(slot)) {
    hg_guard_pool_give(slot);
    return;
  }
  /* Kept only if inaccessible: a slot whose retire failed, or that was never retired
   * (a block too big for the quarantine), is unmapped. */
  if (raw <= SPARE_PAGES * HG_PAGE && is_retired(slot) && spare_give(slot, raw >> HG_PAGE_SHIFT)) return;
  unmap_slot(slot, raw);
}

static void unmap_slot(uintptr_t slot, size_t raw) {
  uintptr_t m = slot - HG_PAGE;   /* the guard page before it, or pad (hg_guard_map) */
  size_t total = raw + HG_PAGE + PAD_BEFORE;
  hg_guard_index_set(m, total >> HG_PAGE_SHIFT, 0);
  hg_os_unmap((void *)m, total);
  atomic_fetch_sub(&mappings, 2);
  atomic_fetch_sub_explicit(&mapped_bytes, total, memory_order_relaxed);
}

/* ---- process life ------------------------------------------------------------------- */

HG_DEFAULT_TEXT void hg_guard_init(void) {
  if (hg_opt.mode == HG_MODE_GUARD) hg_guard_on = true;
  else if (hg_opt.mode == HG_MODE_RUN && hg_opt.sample_rate) hg_guard_sampling = true;
  if (hg_guard_sampling) hg_check_init_quarantine();
  size_t want = hg_guard_sampling ? hg_opt.sample_align : hg_opt.guard_align;
  least_alignment = 1;
  while (least_alignment < want && least_alignment < HG_ALIGNMENT) least_alignment <<= 1;
  set_budget();
}

HG_DEFAULT_TEXT void hg_guard_start(void) {
  if (!hg_guard_on && !hg_guard_sampling) return;
  if (hg_guard_on) {
    read_map_limit();
    set_budget();
  }
  if (hg_guard_sampling) {   /* check mode's start does this for guard mode */
    hg_diag_init();
    /* A log file of its own: a child gets its own from the fork handlers. */
    if (hg_opt.log_file) hg_sampled_forks_on();
    hg_stack_init_lazy();   /* the unwinder at the first sample */
  }
  hg_fault_install();
}

void hg_guard_fork_prepare(void) {
  hg_guard_pool_fork_prepare();
  hg_lock_fork(&spare_lock);
  hg_lock_fork(&index_lock);
}
void hg_guard_fork_parent(void) {
  hg_unlock_fork(&index_lock);
  hg_unlock_fork(&spare_lock);
  hg_guard_pool_fork_parent();
}
void hg_guard_fork_child(void) {
  hg_lock_reset(&index_lock);
  hg_lock_reset(&spare_lock);
  hg_guard_pool_fork_child();
}

/* guard.c — guarded slots, their index, their limits, and sampled guard mode (see
 * guard.h; the fault handler is in fault.c). */
#define _GNU_SOURCE
#include "guard.h"

#include <errno.h>
#include <fcntl.h>
#include <time.h>
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

/* Sampled mode guards requests up to one page (bigger ones are not sampled; the
 * countdown goes on to the next request): its slots are one page each, in a pool. */
#define SAMPLE_SIZE_MAX HG_PAGE

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
static hg_lock_t index_lock = HG_LOCK_INIT;

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
static bool index_set(uintptr_t start, size_t npages, uintptr_t slot) {
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
static size_t budget HG_DEFAULT_DATA;
static _Atomic bool warned;

static void set_budget(void) {
  size_t keep = map_limit / 8 > 1024 ? map_limit / 8 : 1024;
  budget = map_limit > keep + 64 ? map_limit - keep : 64;
}

static void read_map_limit(void) {
  int fd = open("/proc/sys/vm/max_map_count", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char buf[32];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  size_t v = 0;
  for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) v = v * 10 + (size_t)(buf[i] - '0');
  if (v) map_limit = v;
}

/* Guard mode's one warning: from here on some blocks get redzones only. */
void hg_guard_fell_back(enum hg_guard_refusal why) {
  if (!hg_guard_on || why == HG_GUARD_MADE || atomic_exchange(&warned, true)) return;
  char near[160];
  hg_format(near, sizeof near, "%zu guarded blocks are near the limit of vm.max_map_count (%zu)",
            budget / 2, map_limit);
  hg_diag_line("WARNING: guard mode: %s; new blocks get check mode's redzones instead of a "
               "guard page (overflows found at free, bad reads not at all) while this lasts",
               why == HG_GUARD_NO_BUDGET   ? near
               : why == HG_GUARD_NO_MEMORY ? "the kernel refused a mapping (out of memory or address space)"
                                           : "the kernel refused a guard page (mapping limit)");
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

/* ---- sampled mode's pool ---------------------------------------------------------------- *
 * Sampled mode must cost little per sample, so its slots are not mappings of their own
 * (mmap, mprotect, madvise, mprotect, munmap: five system calls and two mappings made
 * and destroyed per block) but pages of one reservation, indexed once, at the first
 * sample: HEAPGUARD_SAMPLE_MAX slots of one data page and one guard page each.  The
 * guard pages are marked MADV_DONTDUMP (as their slots are first used), so the kernel
 * never merges a slot's page with its neighbours into one VMA: each mprotect then
 * changes one small VMA instead of splitting a large one (and merging it back at the
 * next), which made every sample about 3x dearer in the kernel.  Freeing a slot's
 * block is one mprotect (PROT_NONE; its page stays resident), which a use after free
 * needs at once.  (A guard marker on the data page instead, MADV_GUARD_INSTALL at the
 * free and MADV_GUARD_REMOVE for a run at its reuse, changes no VMA but drops the page:
 * each reuse then faults in a zero page, and the zap flushes TLBs as mprotect does.
 * Measured dearer: 1.6x the CPU time at 1 in 100 on wl_random and larson.)
 *
 * Making slots read-write again takes fewer: slots are opened in runs of up to
 * POOL_RUN neighbours, with one mprotect over the run, the guard pages between them
 * included.  Those carry a guard marker (MADV_GUARD_INSTALL, Linux 6.13), which faults
 * on any access whatever the protection of the page's VMA, so opening their VMA exposes
 * nothing.  The run's other slots wait, read-write and unused, for the next samples,
 * which then make no system call: a sample costs one mprotect and a sixteenth, not two.
 * The slots out of the quarantine are kept in a bitmap and taken from a cursor, in
 * address order: blocks leave the quarantine in the order they were freed, which is
 * nearly the order they were taken in, so those slots lie in runs.  With guard markers
 * the pool is read-write from the start (its pages resident only once used): a slot's
 * first use is its guard page marked (DONTDUMP and the marker, one process_madvise each
 * for a run of fresh slots where the kernel allows it, Linux 6.15), and no mprotect.
 * Without markers the pool is PROT_NONE, runs are of one slot, and a first use marks
 * the guard page and opens the data page.  A first use also faults its page in: about
 * 3x the cost of a reuse, so slots out of the quarantine are taken before fresh ones
 * once a run's worth of them waits, and the pool grows only to the most slots live and
 * quarantined at once, plus a run or two, not to HEAPGUARD_SAMPLE_MAX (a freed address
 * is reused only once its slot has left the quarantine).  Fresh runs grow with the pool
 * (1, 1, 2, 4, ... slots), not marked at pool_init: a program that takes a few samples
 * pays for a few guard pages, not HEAPGUARD_SAMPLE_MAX. */
#define POOL_RUN 16
static uintptr_t pool_base, pool_end;
static uint64_t *pool_free;         /* bitmap: slots out of the quarantine (free_count) */
static uint32_t *pool_ready;        /* slots read-write and unused: a stack of ready_len
                                       (room for every slot: threads' runs may overlap) */
static size_t pool_slots, free_count, ready_len, pool_cursor;
static size_t pool_fresh;           /* slots below it have been used */
/* The kernel refused the pool (pool_init): samples due are not taken until POOL_RETRY
 * of them have passed, then one more try.  A shortage of address space or of mappings
 * may pass (the program frees memory, raises its limit): sampling then resumes, where
 * it used to stop for the rest of the run.  pool_retry_in counts down the samples
 * refused without a try (under pool_lock); pool_refused: said so, and not yet that
 * the pool was mapped after all. */
#define POOL_RETRY 1024
static size_t pool_retry_in;
static bool pool_refused;
static bool pool_markers;           /* guard pages carry guard markers: runs of POOL_RUN */
static bool pool_rw;                /* the pool was left read-write (markers at pool_init) */
static hg_lock_t pool_lock = HG_LOCK_INIT;

static bool guard_before(void);

static bool in_pool(uintptr_t slot) { return slot >= pool_base && slot < pool_end; }

/* Slot i: pages 2i and 2i+1 of the pool; its data page is the second one with the
 * guard page before, the first otherwise. */
static uintptr_t pool_slot(size_t i) {
  return pool_base + (2 * i + (guard_before() ? 1 : 0)) * HG_PAGE;
}

static bool pool_init(void) {
  size_t n = hg_opt.sample_max ? hg_opt.sample_max : 1, bytes = 2 * n * HG_PAGE;
  size_t words = (n + 63) / 64;
  size_t meta = hg_align_up(words * sizeof *pool_free + n * sizeof *pool_ready, HG_PAGE);
  uintptr_t base = (uintptr_t)hg_os_map(bytes);
  uint64_t *m = hg_os_map(meta);
  if (!base || !m) goto fail;
  pool_base = base;
  /* Does the kernel have guard markers?  Tried on slot 0's guard page (which gets one
   * anyway).  With them the pool stays read-write: a slot's first use needs no
   * mprotect, only its guard page marked; its page is not resident until then (nor
   * ever a huge page).  Without them, everything PROT_NONE until used. */
  pool_markers = hg_os_guard_pages((void *)(base + (guard_before() ? 0 : HG_PAGE)), HG_PAGE);
  pool_rw = pool_markers;
  if (pool_rw) hg_os_no_huge_pages((void *)base, bytes);
  else if (!hg_os_protect((void *)base, bytes, false)) goto fail;
  for (size_t i = 0; i < n; i++)
    if (!index_set(base + 2 * i * HG_PAGE, 2, pool_slot(i))) goto fail;
  pool_free = m;
  pool_ready = (uint32_t *)(m + words);
  pool_slots = n;
  pool_end = base + bytes;
  if (pool_refused) {
    pool_refused = false;
    hg_message("sampled guard mode: the pool of %zu guarded slots is mapped now; allocations are "
               "sampled again", n);
  }
  return true;
fail:
  if (base) {
    index_set(base, 2 * n, 0);
    hg_os_unmap((void *)base, bytes);
  }
  if (m) hg_os_unmap(m, meta);
  pool_base = 0;
  pool_retry_in = POOL_RETRY;
  /* Sampling stops (the program's requests are served as in the default mode), which
   * would otherwise go unnoticed: at vm.max_map_count (or under RLIMIT_AS) the kernel
   * refused the pool or its bitmap, and a pool in use can take one mapping per slot
   * and guard page (MADV_DONTDUMP splits them: up to 2 * HEAPGUARD_SAMPLE_MAX).  Said
   * once, not at every try that fails again. */
  if (!pool_refused) {
    pool_refused = true;
    hg_message("sampled guard mode: the kernel refused the pool of %zu guarded slots (%zu KiB of address "
               "space: out of memory, or at vm.max_map_count); no allocation is sampled until it "
               "can be mapped (tried again every %d samples due)",
               n, (bytes + meta) >> 10, POOL_RETRY);
  }
  return false;
}

/* A guard page next to a slot used for the first time, before the slot is: marked
 * MADV_DONTDUMP, so that it never merges with a data page, and made inaccessible — by
 * a guard marker, or (without them) PROT_NONE if the pool is read-write.  False if it
 * could not be. */
static bool mark_guard(uintptr_t page) {
  hg_os_no_dump((void *)page, HG_PAGE);
  if (pool_markers && hg_os_guard_pages((void *)page, HG_PAGE)) return true;
  pool_markers = false;   /* runs of one slot from now on */
  return !pool_rw || hg_os_protect((void *)page, HG_PAGE, false);
}

/* The guard pages to mark when slot i is first used, in g (at most two); their number.
 * Both pages next to its data page must be marked before the slot is used.  After-side
 * layout (data, guard): its guard, and the previous slot's, marked when that slot was
 * first used.  Before-side (guard, data): its guard (marked with the previous slot, or
 * now for slot 0) and the next slot's. */
static size_t guards_of(size_t i, uintptr_t *g) {
  uintptr_t pair = pool_base + 2 * i * HG_PAGE;
  if (!guard_before()) {
    g[0] = pair + HG_PAGE;
    return 1;
  }
  size_t k = 0;
  if (i == 0) g[k++] = pair;
  if (i + 1 < pool_slots) g[k++] = pair + 2 * HG_PAGE;
  return k;
}

/* Slots [first, first + want) used for the first time (want <= POOL_RUN): their guard
 * pages marked, with one process_madvise per advice when the kernel allows (Linux
 * 6.15), else a madvise each.  The number of them that can be used returned: a guard
 * page that could not be made inaccessible ends the run before its slot. */
static size_t first_uses(size_t first, size_t want) {
  uintptr_t g[POOL_RUN + 1];
  size_t ng = 0;
  for (size_t i = first; i < first + want; i++) ng += guards_of(i, g + ng);
  if (pool_markers && ng > 1 && hg_os_advise_pages(g, ng, HG_ADVISE_NO_DUMP) &&
      hg_os_advise_pages(g, ng, HG_ADVISE_GUARD))
    return want;
  for (size_t i = first; i < first + want; i++) {
    size_t k = guards_of(i, g);
    for (size_t j = 0; j < k; j++)
      if (!mark_guard(g[j])) return i - first;
  }
  return want;
}

static bool is_free(size_t i) { return (pool_free[i / 64] >> (i % 64)) & 1; }

static void set_free(size_t i, bool on) {
  if (on) pool_free[i / 64] |= (uint64_t)1 << (i % 64);
  else pool_free[i / 64] &= ~((uint64_t)1 << (i % 64));
}

/* Up to `max` neighbouring slots out of the quarantine, from the first at or after the
 * cursor (wrapping around), taken out of the bitmap: the first returned, their number
 * in *n (pool_lock held, free_count > 0). */
static size_t free_run(size_t max, size_t *n) {
  size_t words = (pool_fresh + 63) / 64, from = pool_cursor < pool_fresh ? pool_cursor : 0;
  size_t w = from / 64;
  uint64_t bits = pool_free[w] & (~(uint64_t)0 << (from % 64));
  while (!bits) {   /* some bit is set, below pool_fresh */
    w = w + 1 < words ? w + 1 : 0;
    bits = pool_free[w];
  }
  size_t first = w * 64 + (size_t)__builtin_ctzll(bits), i = first;
  do {
    set_free(i++, false);
  } while (i - first < max && i < pool_fresh && is_free(i));
  *n = i - first;
  free_count -= *n;
  pool_cursor = i;
  return first;
}

/* A slot for a sample, read-write; 0 if none can be had now. */
static uintptr_t pool_take(void) {
  hg_lock(&pool_lock);
  if (!pool_base && (pool_retry_in ? (pool_retry_in--, true) : !pool_init())) {
    hg_unlock(&pool_lock);
    return 0;
  }
  if (ready_len) {   /* opened by an earlier run */
    uintptr_t slot = pool_slot(pool_ready[--ready_len]);
    hg_unlock(&pool_lock);
    return slot;
  }
  size_t run = pool_markers ? POOL_RUN : 1, first, n;
  bool closed;   /* the run's data pages are PROT_NONE */
  if (free_count && (free_count >= run || pool_fresh == pool_slots)) {
    first = free_run(run, &n);
    closed = true;
  } else if (pool_fresh < pool_slots) {
    /* Fresh runs grow with the pool (1, 1, 2, 4, ...): a process that takes a sample or
     * two marks a guard page or two, not a run's worth. */
    size_t want = pool_fresh < run ? (pool_fresh ? pool_fresh : 1) : run;
    first = pool_fresh;
    n = first_uses(first, want < pool_slots - first ? want : pool_slots - first);
    __atomic_store_n(&pool_fresh, first + n, __ATOMIC_RELAXED);   /* read unlocked (stats) */
    closed = !pool_rw;
    if (!n) {
      hg_unlock(&pool_lock);
      return 0;
    }
  } else {
    hg_unlock(&pool_lock);
    return 0;
  }
  hg_unlock(&pool_lock);
  /* The run's slots are this call's alone now.  One mprotect: their data pages, and the
   * guard pages between them, which their markers keep inaccessible. */
  bool ok = !closed || hg_os_protect((void *)pool_slot(first), (2 * n - 1) * HG_PAGE, true);
  hg_lock(&pool_lock);
  if (ok) {
    for (size_t k = n - 1; k > 0; k--) pool_ready[ready_len++] = (uint32_t)(first + k);   /* lowest on top */
  } else {   /* back, perhaps read-write (a slot out of the quarantine may be) */
    for (size_t k = 0; k < n; k++) set_free(first + k, true);
    free_count += n;
  }
  hg_unlock(&pool_lock);
  return ok ? pool_slot(first) : 0;
}

/* A slot back to the pool, out of the quarantine: inaccessible already if its block
 * was freed (the other ways here, failures, are rare and leave it accessible until
 * reused). */
static void pool_give(uintptr_t slot) {
  size_t i = (slot - pool_base) / (2 * HG_PAGE);
  hg_lock(&pool_lock);
  set_free(i, true);
  free_count++;
  hg_unlock(&pool_lock);
}

/* ---- guarded slots ------------------------------------------------------------------ */

/* The least alignment of a malloc'd block: HEAPGUARD_GUARD_ALIGN (guard mode) or
 * HEAPGUARD_SAMPLE_ALIGN (sampled), rounded up to a power of two from 1 to 16.  (Less
 * than 8 breaks programs that store pointers in variable-sized objects whose size is not
 * a multiple of 8 and check their alignment, such as CPython; less than 16 breaks code
 * that relies on glibc's 16: clang assumes operator new's result is 16-aligned and
 * zeroes a new 40-byte object with movaps, a general-protection fault on an 8-aligned
 * block.  Sampled mode runs in production, so its default is 16; guard mode is a
 * debugging run whose point is the fault at the first byte past the end, so 8.) */
static size_t least_alignment HG_DEFAULT_DATA;

size_t hg_guard_least_alignment(void) { return least_alignment; }

/* The largest power of two dividing n, at least least_alignment, at most 16 (16 for 0). */
static size_t natural_alignment(size_t n) {
  size_t low = n & (~n + 1);
  if (low == 0 || low > HG_ALIGNMENT) return HG_ALIGNMENT;
  return low < least_alignment ? least_alignment : low;
}

static bool guard_before(void) { return hg_opt.guard_side == HG_GUARD_BEFORE; }

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
static hg_lock_t spare_lock = HG_LOCK_INIT;

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

bool hg_guard_map(size_t n, size_t align, bool natural, struct hg_guard_slot *g) {
  g->refused = HG_GUARD_MADE;
  size_t a = natural ? natural_alignment(n) : align;
  if (n > HG_MAX_REQUEST - a - 2 * HG_PAGE || a > HG_MAX_REQUEST / 4) return false;
  size_t body = hg_align_up(n, a);                 /* user's start to the slot's end */
  size_t raw = hg_align_up(body ? body : 1, HG_PAGE), total = raw + HG_PAGE;
  size_t lead = guard_before() ? HG_PAGE : 0;      /* guard page before the slot */
  if (hg_guard_sampling) {
    uintptr_t slot = raw == HG_PAGE && a <= HG_PAGE ? pool_take() : 0;
    if (!slot) return false;
    g->slot = slot;
    g->raw = raw;
    g->user = lead ? slot : slot + raw - body;
    return true;
  }
  if (raw <= SPARE_PAGES * HG_PAGE && a <= HG_PAGE) {
    for (uintptr_t spare; (spare = spare_take(raw >> HG_PAGE_SHIFT));) {
      if (hg_os_protect((void *)spare, raw, true)) {
        set_retired(spare, false);
        g->slot = spare;
        g->raw = raw;
        g->user = lead ? spare : spare + raw - body;
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
      m = hg_align_up(base + lead, a) - lead;
      if (m > base) hg_os_unmap((void *)base, m - base);
      if (base + total + a > m + total) hg_os_unmap((void *)(m + total), base + total + a - (m + total));
    }
  }
  if (!m && spares_drop(true)) goto map;   /* their address space, under RLIMIT_AS */
  if (!m) {
    atomic_fetch_sub(&mappings, 2);
    g->refused = HG_GUARD_NO_MEMORY;
    return false;
  }
  uintptr_t slot = m + lead, guard = lead ? m : slot + raw;
  if (!hg_os_protect((void *)guard, HG_PAGE, false) || !index_set(m, total >> HG_PAGE_SHIFT, slot)) {
    index_set(m, total >> HG_PAGE_SHIFT, 0);
    hg_os_unmap((void *)m, total);
    atomic_fetch_sub(&mappings, 2);
    g->refused = HG_GUARD_NO_PAGE;
    return false;
  }
  atomic_fetch_add_explicit(&mapped_bytes, total, memory_order_relaxed);
  g->slot = slot;
  g->raw = raw;
  g->user = lead ? slot : slot + raw - body;
  return true;
}

size_t hg_guard_mapped_bytes(void) {
  if (hg_guard_sampling) return __atomic_load_n(&pool_fresh, __ATOMIC_RELAXED) * 2 * HG_PAGE;
  return atomic_load_explicit(&mapped_bytes, memory_order_relaxed);
}

bool hg_guard_retire(uintptr_t slot, size_t raw) {
  if (in_pool(slot)) return hg_os_protect((void *)slot, raw, false);
  /* Retired (so kept as a spare later) only if its pages were dropped: a spare must
   * come back zeroed, with none of its last block's bytes. */
  bool dropped = hg_os_decommit((void *)slot, raw);
  if (!hg_os_protect((void *)slot, raw, false)) return false;
  if (dropped) set_retired(slot, true);
  return true;
}

void hg_guard_unmap(uintptr_t slot, size_t raw) {
  if (in_pool(slot)) {
    pool_give(slot);
    return;
  }
  /* Kept only if inaccessible: a slot whose retire failed, or that was never retired
   * (a block too big for the quarantine), is unmapped. */
  if (raw <= SPARE_PAGES * HG_PAGE && is_retired(slot) && spare_give(slot, raw >> HG_PAGE_SHIFT)) return;
  unmap_slot(slot, raw);
}

static void unmap_slot(uintptr_t slot, size_t raw) {
  uintptr_t m = slot - (guard_before() ? HG_PAGE : 0);
  size_t total = raw + HG_PAGE;
  index_set(m, total >> HG_PAGE_SHIFT, 0);
  hg_os_unmap((void *)m, total);
  atomic_fetch_sub(&mappings, 2);
  atomic_fetch_sub_explicit(&mapped_bytes, total, memory_order_relaxed);
}

/* ---- sampled guard mode ------------------------------------------------------------- */

static __thread uint64_t rng;   /* 0: the thread has not drawn yet */

static uint64_t next_random(void) {
  if (!rng) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    static _Atomic uint64_t threads;
    rng = ((uint64_t)(uintptr_t)&rng * 0x9e3779b97f4a7c15u) ^ (uint64_t)ts.tv_nsec ^
          ((uint64_t)ts.tv_sec << 32) ^ (atomic_fetch_add(&threads, 1) * 0xbf58476d1ce4e5b9u);
    if (!rng) rng = 1;
  }
  rng ^= rng >> 12;   /* xorshift64* */
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return rng * 0x2545f4914f6cdd1du;
}

/* Requests until the next sample: uniform in 1 .. 2N-1, so one in N on average. */
static long draw(void) {
  uint64_t n = hg_opt.sample_rate < ((uint64_t)1 << 40) ? hg_opt.sample_rate : (uint64_t)1 << 40;
  if (n <= 1) return 1;
  return (long)(1 + next_random() % (2 * n - 1));
}

/* h's countdown reached 0: the next one is drawn, and this request of n bytes is the
 * sample if it can be.  A thread's first request only starts its countdown (a fresh
 * thread is not sampled at once), unless every request is to be sampled (then the
 * countdown stays <= 0); a thread without a heap yet counts on hg_heap_empty, which is
 * never set: its next request, on its own heap, starts the countdown. */
static void *sample_due(struct hg_heap *h, size_t n, enum hg_api api) {
  if (hg_opt.sample_rate > 1) {
    if (h == &hg_heap_empty) return NULL;
    bool first = rng == 0;
    h->sample_countdown = draw();
    if (first) return NULL;
  }
  if (n > SAMPLE_SIZE_MAX || hg_stack_quiet || !hg_stack_ready()) return NULL;
  return hg_check_alloc_sampled(n, api);
}

void *hg_guard_sample_slow(size_t n) { return sample_due(hg_tls_heap, n, HG_API_MALLOC); }

void *hg_guard_sample(size_t n) {
  struct hg_heap *h = hg_tls_heap;
  if (hg_likely(hg_guard_count_down(h))) return NULL;
  return sample_due(h, n, HG_API_MALLOC);
}

/* A request up to hg_sampled_fast_limit was counted by new's inline countdown: due if
 * that reached 0 (above 0, the heap's refill missed instead), and the caller then
 * allocates without counting again.  A bigger one (or any, when stats or call tracing
 * set that limit to 0) goes on to malloc, which counts it in its slow path: due here
 * if that count would reach 0, and if this one is not sampled after all (its draw
 * done), the count is given back, so that malloc's count does not make it due again
 * and sample it as malloc's (its delete would then be a false mismatched-free). */
void *hg_guard_sample_new(size_t n, enum hg_api api) {
  struct hg_heap *h = hg_tls_heap;
  bool counted = n <= hg_sampled_fast_limit;
  if (h->sample_countdown > (counted ? 0 : 1)) return NULL;
  void *p = sample_due(h, n, api);
  if (!p && !counted && h != &hg_heap_empty) h->sample_countdown++;
  return p;
}

bool hg_guard_sample_free(void *p) {
  if (!hg_guard_slot_of((uintptr_t)p)) return false;
  hg_check_free(p, HG_API_FREE);
  return true;
}

bool hg_guard_sample_size(const void *p, const char *op, size_t *n) {
  if (!hg_guard_slot_of((uintptr_t)p)) return false;
  *n = hg_check_block_size(p, op[0] == 'r' ? HG_API_REALLOC : HG_API_USABLE_SIZE);
  return true;
}

void hg_guard_sampled_error(void) {
  hg_diag_summary();
  hg_fatal("heap error in a block sampled by guard mode (reported above)");
}

/* ---- process life ------------------------------------------------------------------- */

HG_DEFAULT_TEXT void hg_guard_init(void) {
  if (hg_opt.mode == HG_MODE_GUARD) hg_guard_on = true;
  else if (hg_opt.mode == HG_MODE_RUN && hg_opt.sample_rate) hg_guard_sampling = true;
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
    hg_stack_init_lazy();   /* the unwinder at the first sample */
  }
  hg_fault_install();
}

void hg_guard_fork_prepare(void) {
  hg_lock(&pool_lock);
  hg_lock(&spare_lock);
  hg_lock(&index_lock);
}
void hg_guard_fork_parent(void) {
  hg_unlock(&index_lock);
  hg_unlock(&spare_lock);
  hg_unlock(&pool_lock);
}
void hg_guard_fork_child(void) {
  hg_lock_reset(&index_lock);
  hg_lock_reset(&spare_lock);
  hg_lock_reset(&pool_lock);
}

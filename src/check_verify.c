/* check_verify.c — check mode's slow checks of a slot (where a byte changed, and what it
 * means), the verify of every block on demand (hg_check_heap()) and at exit, and the
 * report of what was found under the lock once it is released (check_slot.h). */
#define _GNU_SOURCE
#include "check_slot.h"
#include "check_bytes.h"

#include <string.h>

#include "heapguard.h"
#include "blocks.h"
#include "diag.h"
#include "forkpages.h"
#include "protect.h"
#include "wipe.h"

/* first_changed, but for the bytes in u's ranges (the pages the program made
 * unreadable: unreadable.h), which are not read.  u: NULL if none meets [from, to). */
static uintptr_t first_changed_around(const struct hg_unreadable *u, uintptr_t from, uintptr_t to,
                                      uint8_t byte) {
  if (!u) return first_changed(from, to, byte);
  uintptr_t bad = 0;
  for (uintptr_t a = from, e; !bad && (e = hg_unreadable_piece(u, &a, to)) != 0; a = e)
    bad = first_changed(a, e, byte);
  return bad;
}

/* Redzones of block b: an underflow or overflow finding, if a byte changed.  u: the
 * unreadable ranges that meet b's slot, or NULL (see first_changed_around). */
HG_NOINLINE bool hg_check_redzones_slow(struct hg_block *b, struct findings *fs, hg_stack_t where,
                                            enum hg_api where_api, const char *when,
                                            const struct hg_unreadable *u) {
  if (b->flags & HG_BLOCK_REPORTED) return false;
  uintptr_t user = hg_block_user(b), bad, lo, hi;
  enum shape shape;
  redzone_bounds(b, user, &lo, &hi);
  if ((bad = first_changed_around(u, lo, user, HG_CHECK_REDZONE_BYTE)) != 0) shape = F_UNDERFLOW;
  else if ((bad = first_changed_around(u, user + b->size, hi, HG_CHECK_REDZONE_BYTE)) != 0) shape = F_OVERFLOW;
  else return false;
  b->flags |= HG_BLOCK_REPORTED;
  add(fs, (struct finding){ .shape = shape, .addr = bad, .block = *b, .where = where,
                            .where_api = where_api, .when = when });
  return true;
}

/* A quarantined block's poison and redzones (u: as for check_redzones_slow). */
HG_NOINLINE bool hg_check_freed_slow(struct hg_block *b, struct findings *fs, hg_stack_t where,
                                         enum hg_api where_api, const char *when,
                                         const struct hg_unreadable *u) {
  /* A freed guarded block is inaccessible: a write to it faulted at once. */
  if (b->flags & (HG_BLOCK_REPORTED | HG_BLOCK_GUARDED)) return false;
  uintptr_t user = hg_block_user(b), end = user + poisoned_bytes(b), lo, hi, bad;
  if (b->flags & HG_BLOCK_PROTECTED) {   /* poison only around its inaccessible pages */
    hg_protect_range(b, &lo, &hi);
    bad = first_changed_around(u, user, lo, HG_CHECK_FREED_BYTE);
    if (!bad) bad = first_changed_around(u, hi, end, HG_CHECK_FREED_BYTE);
  } else {
    bad = first_changed_around(u, user, end, HG_CHECK_FREED_BYTE);
  }
  if (bad) {
    b->flags |= HG_BLOCK_REPORTED;
    add(fs, (struct finding){ .shape = F_AFTER_FREE, .addr = bad, .block = *b, .where = where,
                              .where_api = where_api, .when = when });
    return true;
  }
  return hg_check_redzones_slow(b, fs, where, where_api, when, u);
}

HG_NOINLINE unsigned hg_check_report_pending(bool fill) {
  struct findings fs;
  fs.n = hg_check_pending.n;
  memcpy(fs.f, hg_check_pending.f, fs.n * sizeof *fs.f);
  hg_check_pending.n = 0;
  /* Found by a call the report being printed made (its symboliser's): printed after
   * it, not inside it (check.h: hg_check_report_deferred).  (No stack to fill in: the
   * call is heapguard's.) */
  bool deferred = hg_diag_reporting() && hg_check_defer(&fs);
  hg_unlock_inline(&hg_check_mutex);
  if (deferred) return fs.n;
  if (fill)
    for (unsigned i = 0; i < fs.n; i++)
      if (!fs.f[i].where) fs.f[i].where = hg_stack_capture();
  hg_check_report_all(&fs);
  return fs.n;
}

/* ---- verification on demand and at exit ---------------------------------------------------- */

/* The unreadable ranges meeting block b's slot (u's, or probed's from the probe when
 * there is one), or NULL. */
static const struct hg_unreadable *unreadable_around(const struct hg_block *b, const struct hg_unreadable *u,
                                                     struct hg_probe *probe, struct hg_unreadable *probed) {
  if (probe) return hg_unreadable_probe(probe, probed, b->slot, b->slot + b->raw) ? probed : NULL;
  return hg_unreadable_meets(u, b->slot, b->slot + b->raw) ? u : NULL;
}

/* Every block, its bytes in pages the program made unreadable (unreadable.h) left
 * unread: a correct program may protect a page of a live block, and a block's redzone
 * (memalign(4096, 100)'s, whole) or a quarantined neighbour's poison can share that
 * page.  The maps are read once, under the lock; a program that protects pages of its
 * blocks while another of its threads calls hg_check_heap() races with the verify.
 * Without the maps (/proc not mounted, or a read that failed), each block's pages are
 * probed instead; if even that cannot be, nothing is read: one line says so.
 * hg_check_heap() probes first (the maps were 4/5 of a call with 1,000 blocks), and
 * reads the maps after all before a block would take it past PROBES_FIRST probes; so
 * does the verify at exit, where the leak scan reads the maps again anyway, with the
 * other threads stopped (its roots must be those of that moment: one read cannot serve
 * both): a small heap's exit reads them once (ls: 44 probes at 0.15 us, for a read of
 * 20 to 40 us). */
#define PROBES_FIRST 64
/* Live block b, record number i, into the leak scan's list. */
static inline void list_live(struct hg_live_list *l, size_t i, const struct hg_block *b) {
  if (l->n == l->room) {
    l->whole = false;
    return;
  }
  l->ids[l->n++] = (uint32_t)i;
  uintptr_t user = hg_block_user(b);
  if (user < l->lo) l->lo = user;
  if (user + b->size + 1 > l->hi) l->hi = user + b->size + 1;
}

size_t hg_check_verify(const char *when, bool exiting, struct hg_live_list *live) {
  size_t found = 0;
  struct hg_unreadable u, probed;
  struct hg_probe probe;
  bool probing = false, cheap = false;   /* cheap: probing first (hg_check_heap()) */
  bool skip_shared = exiting && hg_forkpages_begin();   /* a fork child's (forkpages.h) */
  size_t next_array = 0;   /* skip_shared: the record heading the next array */
  /* (A fork child that skips the records it shares lists none: the scan reads them.) */
  if (live && (!live->ids || skip_shared)) live = NULL;
  for (size_t i = 0;;) {
    hg_lock_inline(&hg_check_mutex);
    int error;
    if (i == 0 && hg_unreadable_probe_start(&probe, &error)) {
      probing = cheap = true;
      u.n = 0;
    } else if (i == 0 && !hg_unreadable_read(&u)) {
      probing = true;
      if (!hg_unreadable_probe_start(&probe, &error)) {
        hg_unlock_inline(&hg_check_mutex);
        if (skip_shared) hg_forkpages_end();
        hg_diag_line("heap check skipped: /proc/self/maps cannot be read and the kernel does not say "
                     "which pages can (error %d), so blocks in pages the program protected would fault",
                     error);
        return 0;
      }
    }
    if (i == 0 && live) {
      live->inserts = hg_blocks_inserts();
      live->whole = true;
    }
    size_t cap = hg_blocks_capacity();
    bool careful = probing || u.n || skip_shared;   /* else one test a block, as before */
    for (; i < cap && room(&hg_check_pending); i++) {
      struct hg_block *b = hg_blocks_at(i);
      const struct hg_unreadable *around = NULL;
      if (hg_unlikely(careful)) {
        if (skip_shared && i == next_array && hg_forkpages_array_inherited(i, &next_array)) {
          i = next_array - 1;   /* a span's records at once */
          continue;
        }
        if (!b->slot || (skip_shared && hg_forkpages_inherited(b->slot, b->slot + b->raw))) continue;
        if (cheap && probe.asked + ((b->slot + b->raw - 1) >> HG_PAGE_SHIFT) - (b->slot >> HG_PAGE_SHIFT) >=
                         PROBES_FIRST) {   /* the maps after all */
          cheap = false;
          probing = !hg_unreadable_read(&u);
          careful = probing || u.n || skip_shared;
        }
        around = unreadable_around(b, &u, probing ? &probe : NULL, &probed);
      }
      if (!b->slot) continue;
      bool is_live = b->state == HG_BLOCK_LIVE;
      if (live && is_live) list_live(live, i, b);
      if (hg_unlikely(around != NULL)) {
        if (is_live) hg_check_redzones_slow(b, &hg_check_pending, 0, HG_API_NONE, when, around);
        else hg_check_freed_slow(b, &hg_check_pending, 0, HG_API_NONE, when, around);
      } else if (is_live) {
        check_redzones(b, &hg_check_pending, 0, HG_API_NONE, when);
      } else {
        check_freed(b, &hg_check_pending, 0, HG_API_NONE, when);
      }
    }
    bool done = i >= cap;
    found += unlock_report();
    if (done) {
      if (skip_shared) hg_forkpages_end();
      return found;
    }
  }
}

/* (Its frames, 2 KiB without a report: on the side stack in check mode, or that much
 * wiped behind a call that cannot switch: wipe.h.) */
HG_WIPED_EXPORT_DEEP(size_t, hg_check_heap, (void), 4096) {
  return hg_check_on ? hg_check_verify("by hg_check_heap()", false, NULL) : 0;
}

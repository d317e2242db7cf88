/* protect.h — check mode: large freed blocks made inaccessible instead of poisoned.
 *
 * A freed block whose poisoned prefix (its first HG_CHECK_POISON_MAX bytes) covers at
 * least HEAPGUARD_PROTECT_MIN bytes of whole pages has those pages made PROT_NONE while it
 * waits in the quarantine, instead of being filled with the poison and read back when
 * it leaves: a read or a write after free there faults at once and is reported by the
 * fault handler (fault.c, check_report.c's hg_check_report_fault) with the faulting stack and
 * the block's free and allocation stacks.  The bytes on the partial pages at the
 * block's ends are poisoned and verified as any freed block's, and the redzones (never
 * on a protected page) as any block's.  The pages stay resident: giving them back
 * (MADV_DONTNEED) would make every reuse fault them in again, far dearer than the
 * poison they replace (docs/architecture.md, "What check mode costs").
 *
 *     slot       user             lo                          hi        user+size
 *     | redzone  | poisoned head  | PROT_NONE pages ...        | poisoned tail | redzone
 *
 * The pages are made accessible again when the block leaves the quarantine, before
 * its slot goes back to the heap.  Each protected block splits the heap's kernel
 * mapping (up to two more VMAs): at most hg_protect_max are protected at once (a
 * sixteenth of vm.max_map_count), and when the kernel refuses (ENOMEM) the block is
 * poisoned as before.  Check mode only (not guard mode, whose blocks are guarded).
 *
 * Every call but hg_protect_may_hold is made with check mode's lock held. */
#ifndef HG_PROTECT_H
#define HG_PROTECT_H

#include "blocks.h"
#include "check.h"
#include "options.h"

/* The least bytes of whole pages protected is HEAPGUARD_PROTECT_MIN (hg_opt.protect_min,
 * 256 KiB by default: below it the two mprotect calls, which split and merge the heap's
 * mapping, cost more than the poison they save; 0 turns protection off). */

/* Whether freed blocks can be protected in this process (check mode, not guard mode,
 * a quarantine that holds such blocks): set by hg_protect_start. */
extern HG_HIDDEN bool hg_protect_on;

/* At start (check mode's constructor hook): the mapping limit, the fault handler. */
void hg_protect_start(void);

/* The pages of freed block b that are (or would be) protected: [*lo, *hi), whole
 * pages inside its poisoned prefix; true if they are enough to protect. */
static inline bool hg_protect_range(const struct hg_block *b, uintptr_t *lo, uintptr_t *hi) {
  uintptr_t user = hg_block_user(b);
  size_t n = b->size < HG_CHECK_POISON_MAX ? b->size : HG_CHECK_POISON_MAX;
  *lo = hg_align_up(user, HG_PAGE);
  *hi = (user + n) & ~(uintptr_t)(HG_PAGE - 1);
  return *hi > *lo && *hi - *lo >= hg_opt.protect_min;
}

/* Freed block b enters the quarantine: protect its pages if it qualifies and the
 * limits allow.  True if they are now inaccessible (b gets HG_BLOCK_PROTECTED; the
 * caller poisons only the rest of its prefix); false: poison it as usual. */
bool hg_protect_freed_slow(struct hg_block *b);
static inline bool hg_protect_freed(struct hg_block *b) {
  return hg_protect_on && b->size >= hg_opt.protect_min && !(b->flags & HG_BLOCK_GUARDED) &&
         hg_protect_freed_slow(b);
}

/* Protected block b leaves the quarantine: its pages are made accessible again.  False
 * if the kernel refused (out of mappings): the slot must then never be reused. */
bool hg_protect_release(struct hg_block *b);

/* For the fault handler, without the lock: could a fault at address a be in a
 * protected block?  (Some block is protected, and a is in the heap's pages.) */
bool hg_protect_may_hold(uintptr_t a);

#endif

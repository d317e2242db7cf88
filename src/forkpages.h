/* forkpages.h — which of a fork child's pages it still shares with its parent, for
 * check mode's verify at exit (check.c), from /proc/self/pagemap.
 *
 * A page of private anonymous memory stays the same physical page in parent and child
 * after fork() until either writes it (copy on write); while it is, the kernel does not
 * flag it "exclusively mapped" (pagemap bit 56, PM_MMAP_EXCLUSIVE, Linux >= 4.2).  So a
 * present, non-exclusive page of the child holds exactly what it held at the fork:
 * nothing the child wrote, and the same bytes as the parent's page then.  A block's
 * redzones or poison changed there were changed before the fork, in the parent, whose
 * record of the block is the child's: the parent verifies them when the block is freed,
 * leaves the quarantine, or at its own exit.  The child's exit-time verify leaves such
 * pages alone (in bash's 50 `$(f)` after 20,000 array entries, it was a third of each
 * child's exit).  Whatever the child wrote, or the parent wrote after the fork (the
 * child keeps the old copy, alone), is exclusive, and verified as before.
 *
 * Only where that reasoning holds (hg_forkpages_begin): a process that came from fork()
 * and has not forked since (its children would share what it wrote), with no child
 * process at all (one made without our fork handler), whose parent is the one that
 * forked it (else the page may be shared only with siblings, and no process left
 * would verify it), without KSM running (it merges equal pages of unrelated processes
 * into shared ones), and whose kernel flags a page it has just written as exclusive
 * (older kernels, or a pagemap without the bit, would make every page look shared).
 * Not covered: a grandchild made by raw clone() outlives its parent and shares with
 * it what the parent wrote (the parent's exit then misses it); a parent that calls
 * exec or is killed never verifies its heap, and its corruption from before the fork
 * is now reported by no child either (it was by every child that exited before). */
#ifndef HG_FORKPAGES_H
#define HG_FORKPAGES_H

#include "internal.h"

/* Whether the pages shared with the parent may be left alone now; if true, the
 * caller asks hg_forkpages_inherited and ends with hg_forkpages_end.  Exit-time verify
 * only (one at a time: check mode's lock is held, and the state is static). */
bool hg_forkpages_begin(void);
/* Whether every page of [from, to) is present and shared with another process (not
 * exclusive); false if pagemap cannot tell. */
bool hg_forkpages_inherited(uintptr_t from, uintptr_t to);
/* Whether the array of records headed by record i (blocks.h: hg_blocks_array; its end
 * in *next) can be passed whole: no record in use, or its span's pages all inherited. */
bool hg_forkpages_array_inherited(size_t i, size_t *next);
void hg_forkpages_end(void);

/* From check mode's fork handlers (async-signal-safe). */
void hg_forkpages_fork_parent(void);
void hg_forkpages_fork_child(void);

#endif

/* unreadable.h — the pages of blocks the program made unreadable (mprotect PROT_NONE or
 * PROT_WRITE only), noted from /proc/self/maps so that check mode's exit-time work (the
 * leak scan, the redzone and poison verify) and hg_check_heap() read around them
 * instead of faulting in a correct program.
 *
 * A mapping whose "r" bit is clear is noted when it may hold blocks' bytes: it is left
 * out when it holds no block page at either end (the program's or libc's own: thread
 * stack guards, gaps between a library's segments, reservations), or when it is wholly
 * heapguard's own inaccessible memory (guard pages, spare guarded slots, freed blocks
 * made inaccessible in the quarantine), so guard mode's thousands of guard pages take
 * no room.  What is left is what the program protected, rare and few.  Bounded (no
 * allocation: this runs inside the allocator, in the caller's frame): past
 * HG_UNREADABLE_MAX ranges, the last one is stretched to the end of each further one,
 * so the blocks between are not read at all (a leak scan can only miss pointers there,
 * over-reporting leaks; a verify can only miss a changed byte there; neither reads
 * where it cannot). */
#ifndef HG_UNREADABLE_H
#define HG_UNREADABLE_H

#include "internal.h"
#include "maps.h"

#define HG_UNREADABLE_MAX 32

struct hg_unreadable {
  uintptr_t start[HG_UNREADABLE_MAX], end[HG_UNREADABLE_MAX];   /* in address order */
  size_t n;
};

/* Mapping m, from a walk of the maps in address order: noted in *u if it is unreadable
 * and may hold the bytes of blocks in lo..hi.  Check mode's lock held (the records are
 * looked up). */
void hg_unreadable_note(struct hg_unreadable *u, const struct hg_mapping *m, uintptr_t lo, uintptr_t hi);

/* *u filled from a walk of its own (check mode's lock held).  False if the maps could
 * not be read: then nothing is known to be unreadable. */
bool hg_unreadable_read(struct hg_unreadable *u);

/* Without the maps (hg_unreadable_read false), the kernel is asked page by page instead,
 * in a way that cannot fault (unreadable.c: probe_page): the verify of redzones and
 * poison stays safe in a process without /proc (it died by SIGSEGV at a page the
 * program had protected).  One system call per page of the blocks read, the pages found
 * readable remembered in a small table: a fallback, for a verify's one pass (check
 * mode's lock held; a page the program protects meanwhile is not seen). */
struct hg_probe {
  uintptr_t readable[64];   /* pages found readable, by page number modulo 64 */
  size_t asked;             /* system calls made */
};

/* A pass of probes starts: true if the kernel answers them (error: why not, else). */
bool hg_unreadable_probe_start(struct hg_probe *p, int *error);

/* *u: the unreadable pages of [from, to), merged (stretched past HG_UNREADABLE_MAX as
 * hg_unreadable_note does); true if there is any. */
bool hg_unreadable_probe(struct hg_probe *p, struct hg_unreadable *u, uintptr_t from, uintptr_t to);

/* Whether [from, to) meets a noted range. */
static inline bool hg_unreadable_meets(const struct hg_unreadable *u, uintptr_t from, uintptr_t to) {
  for (size_t i = 0; i < u->n && u->start[i] < to; i++)
    if (u->end[i] > from) return true;
  return false;
}

/* The readable pieces of [from, to), in order:
 *   for (uintptr_t a = from, e; (e = hg_unreadable_piece(u, &a, to)) != 0; a = e) use [a, e)
 * Moves *a past the noted ranges it is in and returns the end of the readable piece
 * from there, or 0 when nothing is left before `to`. */
static inline uintptr_t hg_unreadable_piece(const struct hg_unreadable *u, uintptr_t *a, uintptr_t to) {
  for (size_t i = 0; i < u->n && u->start[i] < to; i++) {
    if (u->end[i] <= *a) continue;
    if (*a < u->start[i]) return u->start[i];
    *a = u->end[i];
  }
  return *a < to ? to : 0;
}

#endif

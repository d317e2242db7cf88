/* check_slot.h — what check.c (the allocation functions, the quarantine) and
 * check_verify.c (the slow checks, the verify on demand and at exit, the report of what
 * was found) share: check mode's lock, redzone and findings pending, a slot's layout and
 * its inline one-pass check.  Internal to check mode. */
#ifndef HG_CHECK_SLOT_H
#define HG_CHECK_SLOT_H

#include <emmintrin.h>

#include "check_internal.h"
#include "lock.h"
#include "unreadable.h"

/* Check mode's one lock (check.h), and R: HEAPGUARD_REDZONE, rounded to 16. */
extern HG_HIDDEN hg_lock_t hg_check_mutex;
extern HG_HIDDEN size_t hg_check_redzone;

/* ---- poison --------------------------------------------------------------------------- */

static inline size_t poisoned_bytes(const struct hg_block *b) {
  return b->size < HG_CHECK_POISON_MAX ? b->size : HG_CHECK_POISON_MAX;
}

/* ---- findings: errors found under the lock, reported after it (check_report.c) --------- */

/* What was found under check mode's lock, reported once it is released (unlock_report).
 * Kept here, not in each call's frame: the common call finds nothing, and a frame of
 * 800 bytes under every call would only be more stack to wipe (scrub_stack). */
extern HG_HIDDEN struct findings hg_check_pending;

static inline bool room(const struct findings *fs) { return fs->n < MAX_FINDINGS; }

static inline void add(struct findings *fs, struct finding f) {
  if (fs->n < MAX_FINDINGS) {
    hg_thread_id_get(&f.thread);
    fs->f[fs->n++] = f;
  }
}

/* A guarded slot's slack (guard.h: the bytes of its pages around the block that no
 * guard page covers, up to a page for a small block) holds the redzone pattern only on
 * the GUARD_SLACK_CHECKED bytes next to the block, on each side: written at allocation
 * and verified at free.  A stray write lands next to the block, not 4 KiB away from it,
 * and filling and reading back whole pages was about a tenth of a guarded block's cost
 * (8 KiB of memory traffic).  Farther bytes are not looked at. */
#define GUARD_SLACK_CHECKED 256

/* The bytes of b's slot that hold the redzone pattern, before and after the block:
 * [*lo, user) and [user + size, *hi). */
static inline void redzone_bounds(const struct hg_block *b, uintptr_t user, uintptr_t *lo, uintptr_t *hi) {
  *lo = b->slot;
  *hi = b->slot + b->raw;
  if (b->flags & HG_BLOCK_GUARDED) {
    if (user - *lo > GUARD_SLACK_CHECKED) *lo = user - GUARD_SLACK_CHECKED;
    if (*hi - (user + b->size) > GUARD_SLACK_CHECKED) *hi = user + b->size + GUARD_SLACK_CHECKED;
  } else if (user - *lo > HG_PAGE && user - *lo > hg_check_redzone) {
    /* An alignment above the page puts the block up to that far into its slot (the
     * left redzone is the redzone rounded up to the alignment): only its last page (or
     * R) holds the pattern.  Filling and reading back all of it made a
     * memalign(2 GiB) fault in 2 GiB and take 10 s, where glibc's costs nothing. */
    *lo = user - (hg_check_redzone > HG_PAGE ? hg_check_redzone : HG_PAGE);
  }
}

/* A small slot checked in one pass, 16 bytes a step, each run against what it should
 * hold: the redzone pattern before and after the block and, for a freed block, the
 * poison inside (a live block's bytes are the program's).  Fewer instructions than
 * first_changed on each run apart (three calls, with their ends done a byte at a time)
 * when the slot is a few lines.  True if every byte is as it should be; if not, the
 * caller looks again byte by byte to say where and what. */
#define SLOT_PASS_MAX 256
static const uint8_t lanes_below[32] = {   /* at 16 - k: lanes < k set */
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* A slot of up to SLOT_PASS_MAX bytes, not guarded (and not reported).  The one pass
 * needs both redzones at least 16 bytes long, the block's poison whole: true of every
 * slot but a guarded one, by construction (check_alloc: left >= R >= 16, right >= R;
 * hg_check_retag only shortens a block, which lengthens its right redzone), so it is
 * not tested again here (it was 12 instructions of each free and each block leaving
 * the quarantine). */
static inline bool slot_pass_fits(const struct hg_block *b) {
  return b->raw <= SLOT_PASS_MAX && !(b->flags & (HG_BLOCK_REPORTED | HG_BLOCK_GUARDED));
}

/* acc with the lanes of [a, e) (e - a >= 16) that are not v cleared, 16 bytes a load,
 * the last one overlapping. */
static inline __m128i run_is(uintptr_t a, uintptr_t e, __m128i v, __m128i acc) {
  for (; a + 16 < e; a += 16) acc = _mm_and_si128(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)a), v));
  return _mm_and_si128(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(e - 16)), v));
}

static inline __attribute__((always_inline)) bool slot_intact(const struct hg_block *b, bool freed) {
  const uintptr_t user = hg_block_user(b), end = user + b->size;
  const __m128i fa = _mm_set1_epi8((char)HG_CHECK_REDZONE_BYTE), fd = _mm_set1_epi8((char)HG_CHECK_FREED_BYTE);
  __m128i ok = run_is(b->slot, user, fa, _mm_set1_epi8(-1));
  if (freed && b->size >= 16) {
    ok = run_is(user, end, fd, ok);
  } else if (freed && b->size) {   /* the block's bytes, then the right redzone's */
    __m128i m = _mm_loadu_si128((const __m128i *)(lanes_below + 16 - b->size));
    __m128i want = _mm_or_si128(_mm_and_si128(m, fd), _mm_andnot_si128(m, fa));
    ok = _mm_and_si128(ok, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)user), want));
  }
  ok = run_is(end, b->slot + b->raw, fa, ok);
  return _mm_movemask_epi8(ok) == 0xffff;
}

/* Redzones of block b: an underflow or overflow finding, if a byte changed; a
 * quarantined block's poison, then its redzones (check_verify.c).  u: the unreadable
 * ranges that meet b's slot, or NULL: those bytes are not read. */
bool hg_check_redzones_slow(struct hg_block *b, struct findings *fs, hg_stack_t where, enum hg_api where_api,
                            const char *when, const struct hg_unreadable *u);
bool hg_check_freed_slow(struct hg_block *b, struct findings *fs, hg_stack_t where, enum hg_api where_api,
                         const char *when, const struct hg_unreadable *u);

/* (A small slot found intact in one pass needs no call.) */
static inline bool check_redzones(struct hg_block *b, struct findings *fs, hg_stack_t where,
                                  enum hg_api where_api, const char *when) {
  if (slot_pass_fits(b) && slot_intact(b, false)) return false;
  return hg_check_redzones_slow(b, fs, where, where_api, when, NULL);
}

static inline bool check_freed(struct hg_block *b, struct findings *fs, hg_stack_t where,
                               enum hg_api where_api, const char *when) {
  if (slot_pass_fits(b) && slot_intact(b, true)) return false;
  return hg_check_freed_slow(b, fs, where, where_api, when, NULL);
}

/* The findings pending, taken out (lock held), then the lock released and they are
 * reported; a finding with no stack gets the caller's when `fill` (usable_size).
 * (check_verify.c) */
unsigned hg_check_report_pending(bool fill);

/* Release check mode's lock and report what was found meanwhile; the number found. */
static inline unsigned unlock_report(void) {
  if (hg_likely(hg_check_pending.n == 0)) {
    hg_unlock_inline(&hg_check_mutex);
    return 0;
  }
  return hg_check_report_pending(false);
}

#endif

/* unreadable.c — noting the unreadable mappings that may hold blocks' bytes (see
 * unreadable.h). */
#include "unreadable.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "blocks.h"
#include "guard.h"

/* The end of the piece of heapguard's own inaccessible memory starting at page a (a
 * freed guarded or protected block's slot, a live guarded block's guard page or
 * slack page, a spare guarded slot's page), or 0 if page a is not that: the program's
 * memory, or a page holding live block bytes (check records are under check's lock,
 * held). */
static uintptr_t own_inaccessible(uintptr_t a) {
  uintptr_t slot;
  const struct hg_block *b = hg_blocks_lookup(a, &slot);
  if (!slot) return 0;
  if (!b) return hg_guard_slot_of(a) ? a + HG_PAGE : 0;   /* a spare guarded slot */
  if (b->state == HG_BLOCK_FREED && (b->flags & (HG_BLOCK_GUARDED | HG_BLOCK_PROTECTED))) {
    uintptr_t end = hg_align_up(slot + b->raw, HG_PAGE);   /* (a guard page after it: a) */
    return end > a ? end : a + HG_PAGE;
  }
  uintptr_t user = hg_block_user(b);
  if (b->state == HG_BLOCK_LIVE && (b->flags & HG_BLOCK_GUARDED) &&
      (user + b->size <= a || user >= a + HG_PAGE))
    return a + HG_PAGE;
  return 0;
}

void hg_unreadable_note(struct hg_unreadable *u, const struct hg_mapping *m, uintptr_t lo, uintptr_t hi) {
  if (m->readable || m->start >= hi || m->end <= lo) return;
  uintptr_t a = m->start;   /* guard mode's guard pages, first: one lookup each */
  while (a < m->end && (a = own_inaccessible(a)) != 0) {}
  if (a >= m->end) return;
  if (!hg_blocks_slot_of(m->start) && !hg_blocks_slot_of(m->end - HG_PAGE)) return;
  if (u->n == HG_UNREADABLE_MAX) {
    u->end[u->n - 1] = m->end;   /* full: the blocks in between are not read */
  } else {
    u->start[u->n] = m->start;
    u->end[u->n++] = m->end;
  }
}

static bool note_each(const struct hg_mapping *m, void *arg) {
  hg_unreadable_note(arg, m, 0, UINTPTR_MAX);
  return true;
}

bool hg_unreadable_read(struct hg_unreadable *u) {
  u->n = 0;
  if (hg_maps_each(note_each, u)) return true;
  u->n = 0;
  return false;
}

/* rt_sigprocmask with an invalid `how` copies the new mask (8 bytes) from the caller's
 * memory before it looks at `how` (kernel/signal.c, since 2.6): EFAULT if page a cannot
 * be read, EINVAL if it can, and nothing changes either way.  The kernel reads as the
 * program would (a PROT_WRITE-only page is readable on x86, to both).  Needs no
 * permission, unlike process_vm_readv, which a container's seccomp profile or ptrace
 * policy may refuse.  1 readable, 0 not, -1 no answer (errno). */
static int probe_page(uintptr_t a) {
  long r = syscall(SYS_rt_sigprocmask, -1L, a, 0L, 8L);
  return r == 0 ? -1 : errno == EINVAL ? 1 : errno == EFAULT ? 0 : -1;
}

bool hg_unreadable_probe_start(struct hg_probe *p, int *error) {
  int saved = errno;
  memset(p->readable, 0, sizeof p->readable);
  p->asked = 0;
  int r = probe_page((uintptr_t)p & ~(uintptr_t)(HG_PAGE - 1));   /* this stack page: readable */
  *error = r == 1 ? 0 : errno ? errno : EINVAL;
  errno = saved;
  return r == 1;
}

bool hg_unreadable_probe(struct hg_probe *p, struct hg_unreadable *u, uintptr_t from, uintptr_t to) {
  int saved = errno;
  u->n = 0;
  for (uintptr_t a = from & ~(uintptr_t)(HG_PAGE - 1); a < to; a += HG_PAGE) {
    uintptr_t *seen = &p->readable[(a / HG_PAGE) % 64];
    if (*seen == a) continue;
    p->asked++;
    if (probe_page(a) == 1) {   /* (no answer: taken as unreadable, not read) */
      *seen = a;
      continue;
    }
    if (u->n && u->end[u->n - 1] == a) {
      u->end[u->n - 1] = a + HG_PAGE;
    } else if (u->n == HG_UNREADABLE_MAX) {
      u->end[u->n - 1] = a + HG_PAGE;
    } else {
      u->start[u->n] = a;
      u->end[u->n++] = a + HG_PAGE;
    }
  }
  errno = saved;
  return u->n != 0;
}

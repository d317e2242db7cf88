/* leak.c — check mode's leak scan at exit: which live blocks can the program still
 * reach?
 *
 * Conservative reachability, as Valgrind's memcheck does it: every aligned word of the
 * roots that points into a live block (to its start or inside it) makes the block
 * reachable, and the words of reachable blocks are followed in turn.  The roots are
 * every readable and writable mapping of the process except the allocator's own block
 * pages and devices: the data and bss of every loaded object, thread stacks,
 * thread-local storage (in the threads' stacks or in the loader's memory), the program's
 * own mappings, shared ones too.  The other threads are stopped
 * for the scan (stop.c) by a signal whose frame puts their registers on their stacks,
 * so a block one of them holds only in a register is reachable.  The exiting thread's stack is
 * scanned from the frame that called exit(): below it lie only libc's exit machinery
 * and memory full of stale addresses (a register the program held when it called
 * exit() is missed: leaks can be over-reported only in that case).  Pages that are not
 * resident (mincore) hold no pointer the program wrote and are skipped.
 *
 * A live block the program made unreadable (mprotect PROT_NONE or PROT_WRITE, as
 * /proc/self/maps says: its "r" bit), in whole or in part, is not read: reading it
 * killed a correct program by SIGSEGV in the scan.  Its readable part is scanned; the
 * block itself still counts, reachable or lost by what points at it, as Valgrind's
 * memcheck does with memory it knows is unreadable (unreadable.h).
 *
 * In a fork child the other threads of the parent are gone, their registers with them
 * (their stacks and TLS stay mapped, and are scanned): a block one of them held only in
 * a register at the fork is unreachable in the child, not lost in the parent.  So the
 * blocks those threads allocated (check.c records each block's thread), left
 * unreached by the roots, are taken as reachable, with what they reach, and counted on
 * a line of their own ("parent threads' blocks"), not as errors: the parent's own scan
 * reports those really lost.  The child's blocks and the forking thread's stay
 * reported.
 *
 * A block the roots reach only through a chain with a pointer into a block's middle
 * (not its start) is "possibly lost", as Valgrind's memcheck calls it: the program may
 * still compute its start, or may have lost it.  Pointers into a block's middle that
 * Valgrind's heuristics recognise (leak_heuristic.h: HEAPGUARD_LEAK_CHECK_HEURISTICS,
 * all four by default) count as pointers to its start, and the blocks they made
 * reachable are counted by heuristic in the summary.  Possibly lost blocks are not
 * errors and not printed by default (heapguard's defaults: definite and indirect), but
 * counted in the summary.
 *
 * Blocks left unreached are lost.  A lost block reachable from another lost block is
 * "indirectly lost" (the rest of a leaked list); the others are "definitely lost".
 * Lost blocks are grouped by allocation stack, largest group first; each group is one
 * error (kind memory-leak).  Possibly lost and still-reachable blocks are counted;
 * grouped and printed the same way only when asked (HEAPGUARD_SHOW_LEAK_KINDS,
 * HEAPGUARD_ERRORS_FOR_LEAK_KINDS, which choose the kinds printed and those counted as
 * errors). */
#define _GNU_SOURCE   /* dl_iterate_phdr */
#include <errno.h>
#include <link.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "blocks.h"
#include "check.h"
#include "diag.h"
#include "guard.h"
#include "init.h"
#include "leak_heuristic.h"
#include "maps.h"
#include "options.h"
#include "os.h"
#include "pagemap.h"
#include "stack.h"
#include "suppress.h"
#include "thread_id.h"
#include "wipe.h"
#include "stop.h"
#include "unreadable.h"
#include "xml.h"

/* Threads, for a fork child's scan.  A forked child has only the thread that called
 * fork().  The others' stacks and TLS are still mapped, and scanned as roots like every
 * writable mapping, but their registers are gone: a block another thread had just
 * allocated (malloc returning, the pointer not stored yet), or held in a register
 * only, is unreachable in the child, though not lost in the parent.  So each live
 * block records which thread allocated it (check.c), as a serial number (a tid would
 * be reused): every thread takes the next one at its first allocation, and a child
 * remembers, at the fork, the last number given out; the forking thread keeps its own
 * (TLS).  Threads the child creates get larger numbers; a grandchild's fork updates
 * the bound. */
static _Atomic uint32_t thread_serials;   /* the last serial given out */
__thread uint32_t hg_leak_thread_serial;   /* this thread's; 0: none yet */
static uint32_t fork_serials HG_FORK_DATA;   /* fork child: thread_serials at the fork; else 0 */
static bool forked HG_FORK_DATA;            /* this process came from fork() */

HG_NOINLINE uint32_t hg_leak_new_thread_serial(void) {
  hg_leak_thread_serial = atomic_fetch_add_explicit(&thread_serials, 1, memory_order_relaxed) + 1;
  return hg_leak_thread_serial;
}

/* Only the forking thread goes on: every serial given out so far but its own (0 if it
 * never allocated) is a thread this process has not.  (The counter is read, not
 * changed: no lock, async-signal-safe.) */
void hg_leak_fork_child(void) {
  fork_serials = atomic_load_explicit(&thread_serials, memory_order_relaxed);
  forked = true;
}

/* Whether live block b was allocated, before a fork(), by a thread of the parent that
 * this process has not (one other than the forking thread, here or in an ancestor):
 * never in a process that did not come from fork(). */
static bool of_gone_thread(const struct hg_block *b) {
  uint32_t t = b->alloc_thread;
  return fork_serials && t && t <= fork_serials && t != hg_leak_thread_serial;
}

/* The scan's marks, a byte per live block.  In a fork child, in a table of the scan's
 * own, a byte per record (live or not) at the record's number (hg_blocks_number):
 * written into the records, they made a fork child copy every page of records it
 * shares with its parent (copy on write), in every child: a bash script's 50 subshells
 * after 60,000 blocks spent a third of their CPU time there (system time 1.5 s of 4.0).
 * (A hash table keyed by the record's address, before, cost 18 to 36 bytes a live
 * block, to fill and to zero, and a cache miss a lookup: a fifth of those subshells'
 * CPU time.)  Elsewhere (no page shared), and in a child that cannot map the table,
 * in the records' flags, in bits hg_block_flag leaves free: free of cost, where the
 * table is a byte of address space a record (under RLIMIT_AS, "leak check skipped"
 * where the marks in the records left room for the scan). */
enum mark {
  M_REACHED = 2,    /* reachable from the roots */
  M_INDIRECT = 4,   /* reachable only from a lost block */
  M_LEADER = 8,     /* a lost block whose descendants were marked */
  M_PARENT = 128,   /* fork child: unreached, but allocated by a thread of the parent that
                       the child has not: taken as reachable (with M_REACHED) */
  M_ALL = M_REACHED | M_INDIRECT | M_LEADER | M_PARENT,
  /* Possibly lost (the first phase): reached only through a pointer into a block's
   * middle somewhere on the way.  Both bits, a pair no other block has (the second
   * phase marks indirect only blocks the first did not reach), so that the flags byte,
   * full, needs no other: tests of M_REACHED alone take it for reached. */
  M_POSSIBLE = M_REACHED | M_INDIRECT,
};
_Static_assert(!(M_ALL & (HG_BLOCK_INTERNAL | HG_BLOCK_REPORTED | HG_BLOCK_GUARDED | HG_BLOCK_PROTECTED)),
               "the marks share the records' flags byte");

struct scan {
  uint8_t *marks;               /* the marks' table, by record number (NULL: the marks
                                   are in the records' flags) */
  struct hg_block **stack;      /* blocks to visit */
  const uint32_t *live;         /* every live block's record number, in order: the passes
                                   over the live blocks read these, not every record
                                   (the quarantine's are most of them) */
  size_t nlive;
  size_t depth, cap;
  uintptr_t lo, hi;             /* bounds of all live blocks: a quick first filter */
  uintptr_t own_sp;             /* the calling thread's stack: scanned from here up */
  struct hg_block *leader;      /* second phase: the lost block being expanded */
  bool definite;                /* first phase: the words read are the roots' or a
                                   reachable block's, not a possibly lost one's */
  bool overflowed;              /* a block marked found no room on the stack */
  uintptr_t regs[HG_EXIT_REGS]; /* exit()'s caller's callee-saved registers: roots too */
  struct hg_unreadable unreadable; /* noted in a walk of the maps before the roots'
                                    * (note_mapping), before any block is read (the other
                                    * threads stopped: nothing maps or protects
                                    * meanwhile); in this frame, below exit()'s caller's:
                                    * not a root */
  unsigned heuristics;              /* HEAPGUARD_LEAK_CHECK_HEURISTICS (HG_HEUR_ bits) */
  struct hg_heur_files files;       /* with multipleinheritance, from the same walk */
  struct hg_heur_marks heur;        /* the blocks reached by a heuristic, and which */
};

/* Live block b's mark (its bits beside M_ALL are not the scan's: kept as they are);
 * i: its record's number, if the caller has it (else SIZE_MAX). */
static inline uint8_t *mark_of(struct scan *sc, struct hg_block *b, size_t i) {
  if (!sc->marks) return &b->flags;
  return &sc->marks[i != SIZE_MAX ? i : hg_blocks_number(b)];
}

/* The heuristic that takes w, inside live block b (at user) but not at its start, for a
 * pointer to its start (leak_heuristic.h), or 0. */
static HG_NOINLINE unsigned heuristic_start(const struct scan *sc, const struct hg_block *b, uintptr_t user, uintptr_t w) {
  return sc->heuristics ? hg_heuristic_start(&sc->files, &sc->unreadable, b, user, w, sc->heuristics) : 0;
}

/* Word w found somewhere reachable (or, in the second phase, in a lost block).  In the
 * first phase, a block is reached (M_REACHED) by a pointer to its start from a root
 * or a reached block, and possibly lost (M_POSSIBLE) by any other pointer from those,
 * or any pointer from a possibly lost block; a possibly lost block reached later is
 * pushed again, so that its own become reached too.  A block is then pushed at most
 * twice, and the stack has room for each once: a push that finds it full is noted, and
 * the marked blocks are scanned again (mark_blocks). */
static void consider(struct scan *sc, uintptr_t w) {
  if (w < sc->lo || w >= sc->hi) return;
  struct hg_block *b = hg_blocks_containing(w);
  if (!b || b->state != HG_BLOCK_LIVE) return;
  uint8_t *m = mark_of(sc, b, SIZE_MAX);
  if (!sc->leader) {
    uint8_t state = *m & M_POSSIBLE;
    uintptr_t user = hg_block_user(b);
    if (state == M_REACHED) {
      /* (reached by a heuristic first: not counted as such, as Valgrind's) */
      if (sc->heur.by_record && w == user) hg_heur_forget(&sc->heur, hg_blocks_number(b));
      return;
    }
    unsigned h = 0;
    bool reached = sc->definite && (w == user || (h = heuristic_start(sc, b, user, w)) != 0);
    if (!reached && state == M_POSSIBLE) return;
    *m = (uint8_t)((*m & ~M_POSSIBLE) | (reached ? M_REACHED : M_POSSIBLE));
    if (h) hg_heur_mark(&sc->heur, hg_blocks_number(b), h);
  } else {
    if (b == sc->leader || (*m & (M_REACHED | M_INDIRECT))) return;
    *m = (uint8_t)((*m & ~M_LEADER) | M_INDIRECT);
  }
  if (sc->depth < sc->cap) sc->stack[sc->depth++] = b;
  else sc->overflowed = true;
}

static void scan_range(struct scan *sc, uintptr_t from, uintptr_t to) {
  for (uintptr_t a = hg_align_up(from, sizeof(uintptr_t)); a + sizeof(uintptr_t) <= to; a += sizeof(uintptr_t))
    consider(sc, *(const uintptr_t *)a);
}

/* from..to, but the bytes in unreadable ranges. */
static HG_NOINLINE void scan_around(struct scan *sc, uintptr_t from, uintptr_t to) {
  for (uintptr_t a = from, e; (e = hg_unreadable_piece(&sc->unreadable, &a, to)) != 0; a = e)
    scan_range(sc, a, e);
}

/* Live block b's bytes that can be read (with no unreadable range, the usual case,
 * a test more than scan_range). */
static inline void scan_block(struct scan *sc, const struct hg_block *b) {
  uintptr_t user = hg_block_user(b);
  if (hg_likely(!sc->unreadable.n)) scan_range(sc, user, user + b->size);
  else scan_around(sc, user, user + b->size);
}

static void drain(struct scan *sc) {
  while (sc->depth) {
    struct hg_block *b = sc->stack[--sc->depth];
    if (!sc->leader) sc->definite = (*mark_of(sc, b, SIZE_MAX) & M_POSSIBLE) == M_REACHED;
    scan_block(sc, b);
  }
  sc->definite = true;
}

/* The loaded objects' RELRO (PT_GNU_RELRO): data the loader makes read-only once it
 * is relocated, which the walk of the writable mappings passes over.  A statically
 * linked program's libc allocates during its start-up, before it protects that data,
 * and keeps the blocks there (_dl_init_paths' search list, _dl_find_object's table):
 * 200 bytes in 2 blocks reported "definitely lost" in every clean static program with
 * threads.  Collected before the scan (dl_iterate_phdr takes the loader's lock, which
 * a thread stopped by the scan may hold); read where the maps say it is readable. */
#define RELRO_MAX 128
static struct { uintptr_t lo, hi; } relro[RELRO_MAX];
static size_t nrelro;

static int note_relro(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  (void)arg;
  for (size_t i = 0; i < info->dlpi_phnum && nrelro < RELRO_MAX; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_GNU_RELRO || !ph->p_memsz) continue;
    relro[nrelro].lo = info->dlpi_addr + ph->p_vaddr;
    relro[nrelro].hi = relro[nrelro].lo + ph->p_memsz;
    nrelro++;
  }
  return 0;
}

/* The RELRO in the read-only mapping [start, end). */
static void scan_relro(struct scan *sc, uintptr_t start, uintptr_t end) {
  for (size_t i = 0; i < nrelro; i++) {
    uintptr_t lo = relro[i].lo > start ? relro[i].lo : start, hi = relro[i].hi < end ? relro[i].hi : end;
    if (lo < hi) scan_range(sc, lo, hi);
  }
}

/* Whether a mapping of path, shared or under /dev/, maps a device, whose memory the scan
 * does not read (a GPU's or a frame buffer's: slow, or with effects), as Valgrind's
 * memcheck does not: a character or block device but /dev/zero, whose mappings are
 * memory.  Everything else is memory the program may keep pointers in: anonymous
 * shared memory ("/dev/zero (deleted)" in the maps), memfds, System V segments, files
 * in /dev/shm and elsewhere mapped shared; Valgrind reads them all, and blocks whose
 * only pointers were there were "definitely lost" (bugs/clean_reachable_shared).  A
 * path stat cannot find (deleted, as those often are: " (deleted)" ends it) is taken
 * as memory too. */
static bool device_mapping(const char *path) {
  struct stat st;
  if (path[0] != '/' || strcmp(path, "/dev/zero") == 0 || stat(path, &st) != 0) return false;
  return S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode);
}

/* The unreadable mappings, in a read of the maps of its own before the roots' walk:
 * a pointer met in the roots may make consider read its block's first words (Valgrind's
 * heuristics), whatever the block's address.  (Noted in the roots' walk itself, a block
 * in a mapping the walk had not reached yet was read unchecked: a SIGSEGV in the scan
 * if the program had made it unreadable.) */
static bool note_mapping(const struct hg_mapping *m, void *arg) {
  struct scan *sc = arg;
  hg_unreadable_note(&sc->unreadable, m, sc->lo, sc->hi);
  if (sc->heuristics & HG_HEUR_MULTIPLEINHERITANCE) hg_heur_files_note(&sc->files, m);
  return true;
}

/* One root mapping: its resident pages that are not the allocator's. */
static bool scan_mapping(const struct hg_mapping *m, void *arg) {
  struct scan *sc = arg;
  if (!m->readable) return true;
  if (!m->writable) {
    if (m->path[0] == '/' && !m->shared) scan_relro(sc, m->start, m->end);
    return true;
  }
  if ((m->shared || strncmp(m->path, "/dev/", 5) == 0) && device_mapping(m->path)) return true;
  if (strcmp(m->path, "[vvar]") == 0 || strcmp(m->path, "[vsyscall]") == 0) return true;
  uintptr_t start = m->start, end = m->end;
  if (sc->own_sp >= start && sc->own_sp < end) start = sc->own_sp & ~(HG_PAGE - 1);
  bool sides = hg_side_holds(start, end);   /* (a page at a time only then) */
  static unsigned char resident[4096];
  for (uintptr_t chunk = start; chunk < end; chunk += sizeof resident * HG_PAGE) {
    size_t pages = (end - chunk) / HG_PAGE;
    if (pages > sizeof resident) pages = sizeof resident;
    bool known = mincore((void *)chunk, pages * HG_PAGE, resident) == 0;
    for (size_t i = 0; i < pages; i++) {
      uintptr_t page = chunk + i * HG_PAGE;
      if (known && !(resident[i] & 1)) continue;
      /* block pages (guarded slots too): only via their blocks */
      if (hg_pagemap_get((const void *)page) || hg_guard_slot_of(page)) continue;
      if (hg_pagemap_holds(page, page + HG_PAGE)) continue;   /* the page map's root: offsets */
      if (hg_check_holds(page)) continue;   /* records, quarantine, depot: no program pointer */
      if (sides && hg_side_holds(page, page + HG_PAGE)) continue;   /* side stacks: apart */
      uintptr_t from = page < sc->own_sp && sc->own_sp < page + HG_PAGE ? sc->own_sp : page;
      scan_range(sc, from, page + HG_PAGE);
    }
  }
  return true;
}

struct group {
  hg_stack_t stack;
  uint32_t first;   /* the live-list position of its first block: groups of equal size
                       keep the order in which their stacks were first met */
  uint32_t blocks;
  uint8_t kind, api;   /* kind: enum kind */
  size_t bytes;
};

/* A group's kind, and the totals' indices: the four kinds of blocks, then (a fork
 * child) those taken as held by the parent's vanished threads, and those lost but
 * matched by a suppression. */
enum kind { K_DEFINITE, K_INDIRECT, K_POSSIBLE, K_REACHABLE, K_PARENT, K_SUPPRESSED, K_TOTALS };

struct totals {
  size_t bytes[K_TOTALS], blocks[K_TOTALS];
  size_t heur_bytes[HG_HEURISTICS], heur_blocks[HG_HEURISTICS];   /* of K_REACHABLE's */
};

/* The kinds' bits (numparse.h) by struct group's kind. */
static const unsigned kind_bit[K_PARENT] = { HG_LEAK_KIND_DEFINITE, HG_LEAK_KIND_INDIRECT, HG_LEAK_KIND_POSSIBLE,
                                             HG_LEAK_KIND_REACHABLE };

static void sort_groups(struct group *g, size_t n) {
  /* Shell sort, largest first (no qsort: it may allocate). */
  for (size_t gap = n / 2; gap; gap /= 2)
    for (size_t i = gap; i < n; i++)
      for (size_t j = i; j >= gap && g[j - gap].bytes < g[j].bytes; j -= gap) {
        struct group t = g[j];
        g[j] = g[j - gap];
        g[j - gap] = t;
      }
}

/* Heap sort (n log n even for the hundreds of thousands of reachable blocks of a big
 * program, in place) by key: by (stack, kind), then by first. */
static bool before_by_stack(const struct group *a, const struct group *b) {
  return a->stack != b->stack ? a->stack < b->stack : a->kind < b->kind;
}
static bool before_by_first(const struct group *a, const struct group *b) { return a->first < b->first; }

static void heap_sort(struct group *g, size_t n, bool (*before)(const struct group *, const struct group *)) {
  if (n < 2) return;
  for (size_t end = n, start = n / 2;;) {
    if (start) start--;
    else if (--end) { struct group t = g[0]; g[0] = g[end]; g[end] = t; }
    else return;
    for (size_t root = start, child; (child = 2 * root + 1) < end; root = child) {
      if (child + 1 < end && before(&g[child], &g[child + 1])) child++;
      if (!before(&g[root], &g[child])) break;
      struct group t = g[root];
      g[root] = g[child];
      g[child] = t;
    }
  }
}

/* Group the lost blocks, and with `reachable` the still reachable ones, by (stack,
 * kind) into g (room for every block): a group a block, sorted by (stack, kind) and
 * merged, put back in the order their first blocks came, then largest first.  (A
 * linear search of the groups for each block cost blocks times groups: fine for a
 * program's few leaks, not for the reachable blocks of one that exits holding
 * 100,000.) */
static size_t make_groups(struct scan *sc, struct group *g, size_t room, struct totals *t, unsigned wanted) {
  size_t n = 0;
  for (size_t l = 0; l < sc->nlive; l++) {
    struct hg_block *b = hg_blocks_at(sc->live[l]);
    if (b->flags & HG_BLOCK_INTERNAL) continue;
    uint8_t m = *mark_of(sc, b, sc->live[l]);
    enum kind k = (m & M_PARENT)                   ? K_PARENT
                  : (m & M_POSSIBLE) == M_POSSIBLE ? K_POSSIBLE
                  : (m & M_REACHED)                ? K_REACHABLE
                  : (m & M_INDIRECT)               ? K_INDIRECT
                                                   : K_DEFINITE;
    t->bytes[k] += b->size;
    t->blocks[k]++;
    unsigned h = k == K_REACHABLE ? hg_heur_of(&sc->heur, sc->live[l]) : 0;
    if (h) {
      t->heur_bytes[h - 1] += b->size;
      t->heur_blocks[h - 1]++;
    }
    if (k == K_PARENT || ((k == K_POSSIBLE || k == K_REACHABLE) && !(wanted & kind_bit[k])) || n == room) continue;
    g[n++] = (struct group){ b->alloc_stack, (uint32_t)l, 1, (uint8_t)k, b->alloc_api, b->size };
  }
  heap_sort(g, n, before_by_stack);
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (m && g[m - 1].stack == g[i].stack && g[m - 1].kind == g[i].kind) {
      struct group *into = &g[m - 1];
      into->bytes += g[i].bytes;
      into->blocks++;
      if (g[i].first < into->first) {
        into->first = g[i].first;
        into->api = g[i].api;
      }
    } else {
      g[m++] = g[i];
    }
  }
  heap_sort(g, m, before_by_first);
  sort_groups(g, m);
  return m;
}

/* Live blocks scanned with tables in hg_leak_report's frame (about 2.5 KiB), not mapped. */
#define FEW 64

/* The scan's tables: the list of live records (room for every record in use: the
 * live ones are not counted yet), the stack of blocks to visit and the groups (room for
 * every live block), and in a fork child the marks, a byte per record.  In
 * hg_leak_report's frame for FEW of them (or 4 * FEW records) or fewer (the sizes 0),
 * else mapped. */
struct tables {
  struct hg_block **stack;
  struct group *groups;
  uint32_t *live;
  uint8_t *marks;
  size_t stack_bytes, groups_bytes, live_bytes, marks_bytes;   /* mapped sizes; 0: not mapped */
};

/* The live blocks, counted (a pass over every record): for the list's room when a list
 * with room for every record in use could not be mapped. */
static size_t count_live_blocks(void) {
  size_t live = 0;
  for (size_t i = 0, cap = hg_blocks_capacity(); i < cap; i++) {
    const struct hg_block *b = hg_blocks_at(i);
    live += b->slot && b->state == HG_BLOCK_LIVE;
  }
  return live;
}

/* The list of live records with room for `room`: in the frame's table for FEW or
 * fewer, else mapped (address space only, its pages touched as far as the live blocks
 * go).  False if it could not be mapped. */
static bool make_list(struct tables *tb, size_t room) {
  if (room <= FEW) return true;
  size_t bytes = hg_align_up(room * sizeof *tb->live, HG_PAGE);
  uint32_t *list = hg_os_map(bytes);
  if (!list) return false;
  tb->live = list;
  tb->live_bytes = bytes;
  return true;
}

/* Map the stack and the groups for `live` blocks (more than FEW); false if they could
 * not be mapped (unmap_tables frees what was). */
static bool map_tables(struct tables *tb, size_t live) {
  tb->stack_bytes = hg_align_up(live * sizeof *tb->stack, HG_PAGE);
  tb->groups_bytes = hg_align_up(live * sizeof *tb->groups, HG_PAGE);
  tb->stack = hg_os_map(tb->stack_bytes);
  tb->groups = hg_os_map(tb->groups_bytes);
  return tb->stack && tb->groups;
}

/* A fork child's marks for `records` records (more than 4 * FEW), zeroed; none if they
 * cannot be mapped (tb->marks NULL): the marks go in the records. */
static void map_marks(struct tables *tb, size_t records) {
  tb->marks_bytes = hg_align_up(records, HG_PAGE);
  tb->marks = hg_os_map(tb->marks_bytes);
  if (!tb->marks) tb->marks_bytes = 0;
}

static void unmap_tables(const struct tables *tb) {
  if (tb->stack_bytes && tb->stack) hg_os_unmap(tb->stack, tb->stack_bytes);
  if (tb->groups_bytes && tb->groups) hg_os_unmap(tb->groups, tb->groups_bytes);
  if (tb->live_bytes) hg_os_unmap(tb->live, tb->live_bytes);
  if (tb->marks_bytes) hg_os_unmap(tb->marks, tb->marks_bytes);
}

void hg_leak_list_start(struct hg_live_list *l, uint32_t *few, size_t nfew) {
  *l = (struct hg_live_list){ .lo = UINTPTR_MAX };
  hg_check_lock();
  size_t room = hg_blocks_count();
  hg_check_unlock();
  room += room / 8 + 16;   /* blocks the other threads add while the verify runs */
  if (room <= nfew) {
    l->ids = few;
  } else {
    l->bytes = hg_align_up(room * sizeof *l->ids, HG_PAGE);
    l->ids = hg_os_map(l->bytes);
    if (!l->ids) {
      l->bytes = 0;
      return;
    }
  }
  l->room = l->bytes ? l->bytes / sizeof *l->ids : room;
}

/* The verify's list, if it holds every live block (check.h), as the scan's: the blocks
 * freed since it was made dropped, and without a marks' table the marks of the others
 * cleared.  False if it cannot be used. */
static bool take_list(struct scan *sc, struct hg_live_list *l) {
  if (!l || !l->ids || !l->whole || l->inserts != hg_blocks_inserts()) return false;
  size_t n = 0;
  for (size_t k = 0; k < l->n; k++) {
    struct hg_block *b = hg_blocks_at(l->ids[k]);
    if (!b->slot || b->state != HG_BLOCK_LIVE) continue;
    if (!sc->marks) b->flags &= (uint8_t)~M_ALL;
    l->ids[n++] = l->ids[k];
  }
  sc->live = l->ids;
  sc->nlive = n;
  sc->lo = l->lo;
  sc->hi = l->hi;
  return true;
}

/* The one pass over every record (the quarantine's are most of them in a program that
 * frees much; a first pass to count the live blocks, read them all twice: 2.4 of the
 * scan's 3.3 ms after a million pairs of wl_churn, 560,000 records): the live records'
 * numbers into list, which has room for every record in use, their bounds in
 * sc->lo..hi (a quick first filter for consider), and without a marks' table their
 * marks cleared (a table starts zeroed; with one, the records are only read: a fork
 * child shares their pages with its parent). */
static void list_live(struct scan *sc, uint32_t *list) {
  size_t n = 0;
  for (size_t i = 0, cap = hg_blocks_capacity(); i < cap; i++) {
    struct hg_block *b = hg_blocks_at(i);
    if (!b->slot || b->state != HG_BLOCK_LIVE) continue;
    if (!sc->marks) b->flags &= (uint8_t)~M_ALL;
    uintptr_t user = hg_block_user(b);
    if (user < sc->lo) sc->lo = user;
    if (user + b->size + 1 > sc->hi) sc->hi = user + b->size + 1;
    list[n++] = (uint32_t)i;
  }
  sc->live = list;
  sc->nlive = n;
}

/* Mark the live blocks the program can reach (M_REACHED), then those that only
 * lost blocks reach (M_INDIRECT): each block left unmarked after the first
 * phase leads (M_LEADER) a scan of what it keeps.  The other threads are
 * stopped meanwhile, their registers on their stacks: a block a running thread holds
 * only in a register is not lost, and nothing changes under the scan (stop.c).
 * False, nothing marked, if /proc/self/maps cannot be read (/proc not mounted): the
 * roots are the mappings it lists, and without them every block would look lost. */
static void scan_side(uintptr_t lo, uintptr_t hi, void *arg) { scan_range(arg, lo, hi); }

static bool mark_blocks(struct scan *sc) {
  hg_side_scan_prepare();
  hg_stop_others();
  bool noted = hg_maps_each(note_mapping, sc);
  hg_heur_files_done(&sc->files);
  if (!noted || !hg_maps_each(scan_mapping, sc)) {
    int error = errno;
    hg_stop_release();
    errno = error;
    return false;
  }
  /* Check mode's side stacks (wipe.h): only the part a call in progress uses holds
   * anything live (the frames of a thread stopped inside the allocator: the program's
   * registers its calls saved, its signal frame's); the rest is what returned calls
   * left. */
  hg_side_each(scan_side, sc);
  for (unsigned i = 0; i < HG_EXIT_REGS; i++) consider(sc, sc->regs[i]);
  drain(sc);
  /* More blocks waited than the stack holds (consider): every reached and possibly lost
   * block is scanned again, until a pass marks nothing new that found no room.  (Marks
   * only go up, so this ends; it takes many possibly lost blocks reached later.) */
  while (sc->overflowed) {
    sc->overflowed = false;
    for (size_t k = 0; k < sc->nlive; k++) {
      struct hg_block *b = hg_blocks_at(sc->live[k]);
      uint8_t state = *mark_of(sc, b, sc->live[k]) & M_POSSIBLE;
      if (!state) continue;
      sc->definite = state == M_REACHED;
      scan_block(sc, b);
      drain(sc);
    }
  }
  /* A fork child: the blocks of the parent's other threads still unreached may be held
   * in those threads' registers, which the child has not (their stacks and TLS were
   * scanned above): taken as reachable, with what they point to, and counted apart.
   * The parent's own scan, which has them, reports those really lost.  The child's
   * own blocks, and the forking thread's (its registers are the child's), are not
   * concerned. */
  for (size_t k = 0; fork_serials && k < sc->nlive; k++) {
    struct hg_block *b = hg_blocks_at(sc->live[k]);
    if (!of_gone_thread(b)) continue;
    uint8_t *m = mark_of(sc, b, sc->live[k]);
    if (*m & M_REACHED) continue;
    *m |= M_REACHED | M_PARENT;
    if (sc->depth < sc->cap) sc->stack[sc->depth++] = b;
    drain(sc);
  }
  for (size_t k = 0; k < sc->nlive; k++) {
    struct hg_block *b = hg_blocks_at(sc->live[k]);
    uint8_t *m = mark_of(sc, b, sc->live[k]);
    if (*m & (M_REACHED | M_INDIRECT)) continue;
    *m |= M_LEADER;
    sc->leader = b;
    scan_block(sc, b);
    drain(sc);
  }
  hg_stop_release();
  return true;
}

/* A group a suppression matched (suppress.h) leaves its kind's total for the
 * suppressed line. */
static void suppressed(const struct group *g, struct totals *t) {
  t->bytes[g->kind] -= g->bytes;
  t->blocks[g->kind] -= g->blocks;
  t->bytes[K_SUPPRESSED] += g->bytes;
  t->blocks[K_SUPPRESSED] += g->blocks;
}

/* --leak-check=full: each group, largest first, with its allocation stack: as an
 * error if its kind is one of --errors-for-leak-kinds (counted even when not printed,
 * as Valgrind does), printed if one of --show-leak-kinds (a record not an error
 * without "ERROR:", in Valgrind's words); either way not if a suppression matches it
 * (then it is counted as suppressed).  Summary mode: only the suppressions matched. */
static void print_groups(const struct group *groups, size_t ngroups, struct totals *t) {
  /* A loss record is the main thread's, as Valgrind's (its XML <tid> 1): after an error
   * of another thread, "Thread 1:" comes before it. */
  static const struct hg_thread_id exit_thread = { 1, "" };
  static const char *const how[] = { "definitely lost", "indirectly lost", "possibly lost", "still reachable" };
  for (size_t i = 0; i < ngroups; i++) {
    const struct group *g = &groups[i];
    bool error = hg_opt.errors_for_leak_kinds & kind_bit[g->kind];
    bool shown = hg_opt.show_leak_kinds & kind_bit[g->kind];
    struct hg_supp_site site = { g->stack, g->api, kind_bit[g->kind], NULL };
    if (hg_opt.leak_check != HG_LEAKS_FULL || !error) {
      if (hg_supp_loaded && (hg_opt.leak_check != HG_LEAKS_FULL || shown) &&
          hg_diag_suppressed("memory-leak", &site)) {
        suppressed(g, t);
        continue;
      }
      if (hg_opt.leak_check != HG_LEAKS_FULL) continue;
    } else {
      /* The context's "where" tells the kinds of one stack apart. */
      int r = hg_diag_error_site("memory-leak", g->kind, g->stack, &site);
      if (r < 0) suppressed(g, t);
      if (r <= 0) continue;
    }
    if (!shown) continue;
    hg_diag_lock();
    hg_diag_thread(&exit_thread);
    if (hg_xml_on)
      hg_xml_leak(g->kind, g->bytes, g->blocks, error ? hg_diag_context_number("memory-leak", g->kind, g->stack) : SIZE_MAX);
    hg_diag_line("%s%zu bytes in %u blocks are %s in loss record %zu of %zu", error ? "ERROR: memory-leak: " : "",
                 g->bytes, g->blocks, how[g->kind], i + 1, ngroups);
    hg_stack_print(g->stack, hg_check_api_names[g->api]);
    hg_diag_suppression("memory-leak", &site);
    hg_diag_unlock();
  }
}

/* The totals; with --leak-check=summary, the blocks of --errors-for-leak-kinds first
 * as one error ("lost": both kinds of lost). */
static void print_summary(const struct totals *t, const struct hg_heur_marks *heur) {
  unsigned errors = hg_opt.errors_for_leak_kinds;
  size_t bytes = 0, blocks = 0;
  for (unsigned k = 0; k < K_PARENT; k++)
    if (errors & kind_bit[k]) bytes += t->bytes[k], blocks += t->blocks[k];
  if (hg_opt.leak_check == HG_LEAKS_SUMMARY && blocks) {
    unsigned lost = errors & (HG_LEAK_KIND_DEFINITE | HG_LEAK_KIND_INDIRECT | HG_LEAK_KIND_POSSIBLE);
    const char *what = lost == HG_LEAK_KIND_DEFINITE   ? "definitely lost"
                       : lost == HG_LEAK_KIND_INDIRECT ? "indirectly lost"
                       : lost == HG_LEAK_KIND_POSSIBLE ? "possibly lost"
                       : lost                          ? "lost"
                                                       : "";
    hg_diag_error("memory-leak", 0, 0);
    hg_diag_line("ERROR: memory-leak: %zu bytes in %zu blocks are %s%s%s (--leak-check=full shows where)", bytes, blocks,
                 what, *what && (errors & HG_LEAK_KIND_REACHABLE) ? " or " : "",
                 errors & HG_LEAK_KIND_REACHABLE ? "still reachable" : "");
  }
  if (hg_opt.quiet) return;   /* -q: the loss records are the errors; the totals are not */
  hg_diag_lock();
  hg_diag_line("LEAK SUMMARY:");
  hg_diag_line("   definitely lost: %zu bytes in %zu blocks", t->bytes[K_DEFINITE], t->blocks[K_DEFINITE]);
  hg_diag_line("   indirectly lost: %zu bytes in %zu blocks", t->bytes[K_INDIRECT], t->blocks[K_INDIRECT]);
  hg_diag_line("     possibly lost: %zu bytes in %zu blocks", t->bytes[K_POSSIBLE], t->blocks[K_POSSIBLE]);
  hg_diag_line("   still reachable: %zu bytes in %zu blocks", t->bytes[K_REACHABLE], t->blocks[K_REACHABLE]);
  hg_heur_print_breakdown(heur, t->heur_bytes, t->heur_blocks);
  if (hg_supp_loaded)
    hg_diag_line("        suppressed: %zu bytes in %zu blocks", t->bytes[K_SUPPRESSED], t->blocks[K_SUPPRESSED]);
  if (t->blocks[K_PARENT])
    hg_diag_line("   parent threads' blocks: %zu bytes in %zu blocks (allocated before fork() by threads this "
                 "child has not, maybe in their registers: not errors)", t->bytes[K_PARENT], t->blocks[K_PARENT]);
  hg_diag_unlock();
}

static void leak_report(struct hg_live_list *l) {
  jmp_buf registers;   /* spills callee-saved registers onto this (scanned) stack */
  setjmp(registers);
  /* The calling thread's stack counts from the caller of exit(): the frames below are
   * libc's exit machinery (and this scan), whose memory holds stale copies of
   * addresses from earlier calls, which would hide leaks. */
  uintptr_t regs[HG_EXIT_REGS] = { 0 };   /* (_exit's path stores them above hg_exit_sp: init.c) */
  uintptr_t exit_sp = hg_exit_sp ? hg_exit_sp : hg_stack_exit_caller_sp(regs);   /* _exit's caller: init.c */
  struct scan sc = { .own_sp = exit_sp ? exit_sp : (uintptr_t)__builtin_frame_address(0), .lo = UINTPTR_MAX,
                     .definite = true, .heuristics = hg_opt.leak_check_heuristics };
  __builtin_memcpy(sc.regs, regs, sizeof regs);
  struct totals t = { 0 };
  /* A few dozen blocks need no mapping at all (this frame is below the exiting
   * caller's, so not scanned). */
  struct hg_block *few_stack[FEW];
  struct group few_groups[FEW];
  uint32_t few_live[FEW];
  uint8_t few_marks[4 * FEW] = { 0 };
  struct tables tb = { few_stack, few_groups, few_live, NULL, 0, 0, 0, 0 };
  size_t ngroups = 0;
  nrelro = 0;
  dl_iterate_phdr(note_relro, NULL);

  hg_check_lock();
  size_t records = hg_blocks_capacity(), live = hg_blocks_count();
  if (forked && live && records <= sizeof few_marks) tb.marks = few_marks;
  else if (forked && live) map_marks(&tb, records);
  sc.marks = tb.marks;   /* NULL: the marks in the records */
  /* The verify's list; else one of the scan's own, with room for every record in use
   * (a program out of address space that freed what it had may have no room for that:
   * then for the live blocks, counted first). */
  bool listed = take_list(&sc, l);
  if (listed) {
    live = sc.nlive;
  } else {
    listed = make_list(&tb, live);
    if (!listed) listed = make_list(&tb, live = count_live_blocks());
    if (listed && live) {
      list_live(&sc, tb.live);
      live = sc.nlive;
    }
  }
  if (!listed || (live > FEW && !map_tables(&tb, live))) {
    hg_check_unlock();
    hg_diag_line("leak check skipped: no memory for the scan of %zu blocks (%zu KiB)", live,
                 (hg_align_up(live * sizeof *tb.live, HG_PAGE) + hg_align_up(live * sizeof *tb.stack, HG_PAGE) +
                  hg_align_up(live * sizeof *tb.groups, HG_PAGE)) >> 10);
    unmap_tables(&tb);
    return;
  }
  if (live) {
    sc.stack = tb.stack;
    sc.cap = live;
    bool marked = mark_blocks(&sc);
    hg_heur_files_free(&sc.files);
    if (!marked) {
      int error = errno;
      hg_heur_marks_free(&sc.heur);
      hg_check_unlock();
      hg_diag_line("leak check skipped: /proc/self/maps cannot be read (error %d), so the roots (data, "
                   "stacks, thread-local storage) are unknown and every block would look lost", error);
      unmap_tables(&tb);
      return;
    }
    /* Possibly lost and reachable blocks grouped only when a record of theirs is
     * wanted: full mode, and the kind shown or an error (else their groups would only
     * number the others'). */
    unsigned wanted = hg_opt.leak_check == HG_LEAKS_FULL ? hg_opt.show_leak_kinds | hg_opt.errors_for_leak_kinds : 0;
    ngroups = make_groups(&sc, tb.groups, live, &t, wanted);
  }
  hg_check_unlock();

  /* Print with the lock released: symbolising allocates. */
  print_groups(tb.groups, ngroups, &t);
  print_summary(&t, &sc.heur);
  hg_heur_marks_free(&sc.heur);
  unmap_tables(&tb);
}

void hg_leak_report(struct hg_live_list *l) {
  leak_report(l);
  if (l && l->bytes) hg_os_unmap(l->ids, l->bytes);
}

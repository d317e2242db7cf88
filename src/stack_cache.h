/* stack_cache.h — stack.c's caches: the frame rules (shared by all threads) and each
 * thread's block of its own (its last rules, last stacks and memo of recent walks);
 * their life cycle, and forgetting them at dlclose.  Internal to stack.c (the walk)
 * and stack_cache.c; the fast lookups are inline here. */
#ifndef HG_STACK_CACHE_H
#define HG_STACK_CACHE_H

#include "stack.h"
#include "depot.h"

/* Frame rules: how to get from a frame to its caller's, learnt from libunwind, cached by
 * return address.  A frame is (ip, sp, bp): the return address into a function (or, for
 * the first, the current instruction), the stack pointer and rbp there.  Its caller's
 * sp is the frame's CFA, its return address lies at CFA - 8, and its rbp is bp or was
 * saved at a fixed place below the CFA.  A rule, RULE_BITS bits:
 *
 *     bits 0-1   kind: RULE_SP (CFA = sp + offset), RULE_BP (a frame pointer: CFA =
 *                bp + 16, the caller's rbp at CFA - 16), RULE_LAST (the outermost
 *                frame: libunwind stops there), RULE_SLOW (none of these: libunwind
 *                walks the stack every time it is met)
 *     bits 2-4   RULE_SP: 0 if rbp is unchanged, n if it was saved at CFA - 8(n + 1)
 *     bits 5-16  RULE_SP: offset / 8
 *
 * An entry is ip << RULE_BITS | rule (user-space addresses have 47 bits), one word read
 * and written whole, so threads share the table without a lock: a torn entry cannot be
 * read.  The table is direct-mapped; a newer rule replaces an older one at its place.
 *
 * A rule is only inferred from what libunwind did at one return address: the CFA it
 * found (the caller's sp) and where it found the caller's rbp.  A frame-pointer frame
 * is one whose rbp was saved where its own rbp points (push rbp; mov rbp, rsp), with
 * the CFA 16 bytes above; any other frame has a CFA at a fixed distance from sp at a
 * given return address (the DWARF rule there is "rsp + n"; a function whose stack
 * pointer moves by a variable amount, with alloca or a VLA, keeps a frame pointer).
 * Frames that fit neither shape (signal frames, stacks realigned with a DWARF
 * expression, huge frames) are RULE_SLOW. */
#define RULES_LOG 14
#define RULE_BITS 17
enum { RULE_SP, RULE_BP, RULE_LAST, RULE_SLOW };
extern HG_HIDDEN _Atomic uint64_t *hg_stack_rules;   /* 1 << RULES_LOG entries, mmap'd
                                                      by hg_stack_cache_init */
/* In front of it, each thread's own entries (struct near), which stay in the CPU's
 * cache where the table's 128 KiB do not: a capture meets a dozen return addresses,
 * mostly the same ones as the last captures did. */
#define NEAR_LOG 8
/* Each thread's last stacks (depot_put), in front of the depot's shared tables. */
#define NEAR_STACKS_LOG 8

/* Each thread's memo of its recent walks (hg_stack_capture_at), by the entry point's
 * frame address and return address.  A walk is a function of the words it reads from
 * the stack (the entry point's return address, each frame's return address, and a
 * saved rbp once a frame-pointer frame uses it: walk) and of the rules of the return
 * addresses it meets, which stay true while the code at them does (dlclose empties the
 * memos with the rules).  So a
 * walk that reads, in the same order, the same words at the same addresses finds the
 * same frames: a memo entry keeps the addresses read by a walk done without libunwind
 * and the words found there, and the stack's id; a capture from the same frame address
 * reads those addresses again, in order, and stops at the first word that differs
 * (each address read is then one the walk itself would read now: no read a walk would
 * not make).  A dozen independent loads instead of a chain of dependent ones, the rule
 * lookups and the depot's hash: the common capture, repeating a recent one.  The leak
 * scan reads this memory, and a saved rbp may be a pointer into the heap, or the stack
 * a coroutine's heap block: addresses are kept as offsets from the start (small, never
 * a pointer; one load and no complement a word checked: -8 instructions a check-mode
 * pair), words complemented (as a block record's user address, blocks.h).  MEMO_READS
 * reads at most; a longer walk is not kept. */
#define MEMO_LOG   4    /* sets of two entries (a loop's malloc and free, at the same
                           frame address, would evict each other in one set in 16) */
#define MEMO_READS 24
struct walk_memo {
  uintptr_t start;      /* the entry point's frame address; 0: empty */
  uint32_t n;           /* reads, in the walk's order */
  hg_stack_t id;        /* the stack found (never 0) */
  struct { uintptr_t addr, word; } r[MEMO_READS];   /* addr: from start; word complemented */
};

/* A thread's caches, in a block of their own: the thread-local storage of every thread
 * of every process the library is loaded into holds one pointer for them (near), NULL
 * until the thread's first capture (check mode only), so the default mode pays nothing.
 * The block is mapped by check mode (never malloc'd), and at thread exit (a pthread key's
 * destructor) it goes to a free list for the next thread: its rules and stack ids stay
 * true (rules are keyed by return address, depot ids are never reused). */
struct near {
  uint64_t rules[1 << NEAR_LOG];                      /* entries as in `rules` */
  struct near_stack stacks[1 << NEAR_STACKS_LOG];     /* matched by hash alone */
  struct walk_memo memo[2 << MEMO_LOG];               /* never used in near_shared */
  uint8_t memo_victim[1 << MEMO_LOG];                 /* each set's entry to replace */
  /* Set while a capture uses the memo: a capture by a signal handler that interrupted it
   * walks without (it would see, or change, an entry half written). */
  unsigned memo_busy;
  struct near *next_free;                             /* on near_free */
  struct near *next_all;                              /* on near_all */
};
extern HG_HIDDEN __thread struct near *hg_stack_near;   /* NULL until the first capture */
/* When no block can be mapped: rules only, shared (an entry is one word, checked against
 * its return address, as in `hg_stack_rules`); the stacks, two words, are not looked at. */
extern HG_HIDDEN struct near hg_stack_near_shared;

/* The rule table mapped and the thread-exit key made (hg_stack_init, after libunwind
 * is loaded): false if the table cannot be mapped (no stacks then). */
bool hg_stack_cache_init(void);
/* The calling thread's block, made on its first capture (or hg_stack_near_shared). */
struct near *hg_stack_near_make(void);

static inline struct near *near_get(void) {
  struct near *b = hg_stack_near;
  return __builtin_expect(b != NULL, 1) ? b : hg_stack_near_make();
}

static inline uint64_t rule_hash(uintptr_t ip) { return ip * 0x9e3779b97f4a7c15u; }

static inline _Atomic uint64_t *rule_slot(uintptr_t ip) {
  return &hg_stack_rules[rule_hash(ip) >> (64 - RULES_LOG)];
}

/* The entry for ip (0 if none); nb: the thread's block. */
static inline uint64_t rule_entry(struct near *nb, uintptr_t ip) {
  /* (The thread's table is indexed by the address's own low bits, folded: no multiply
   * on the walk's chain of dependent loads.) */
  uint64_t *nr = &nb->rules[(ip ^ (ip >> NEAR_LOG)) & ((1u << NEAR_LOG) - 1)];
  uint64_t e = *nr;
  if ((e >> RULE_BITS) == ip) return e;
  e = atomic_load_explicit(rule_slot(ip), memory_order_relaxed);
  if ((e >> RULE_BITS) == ip) *nr = e;
  return e;
}

static inline void learn(uintptr_t ip, unsigned rule) {
  atomic_store_explicit(rule_slot(ip), (uint64_t)ip << RULE_BITS | rule, memory_order_relaxed);
}

/* dlclose (stack.c, after libunwind's own cache is flushed): every rule forgotten, in the
 * shared table and every thread's block, with the threads' memos (made of rules). */
void hg_stack_cache_forget_rules(void);
/* dlclose unloaded an object whose frames the depot held: the threads' last stacks,
 * matched by hash alone, are forgotten (depot.h). */
void hg_stack_cache_forget_stacks(void);
/* Whether address a is in the rule table (the leak scan skips it). */
bool hg_stack_cache_holds(uintptr_t a);

void hg_stack_cache_fork_prepare(void);
void hg_stack_cache_fork_parent(void);
void hg_stack_cache_fork_child(void);

#endif

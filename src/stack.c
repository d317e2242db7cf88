/* stack.c — capture: the walk over frame rules learnt from libunwind, each thread's
 * caches, dlclose; the inline look at the thread's last stacks in front of the depot
 * (depot.c).  See stack.h; symbols are symbolise.c's. */
#define _GNU_SOURCE
#include "stack.h"
#include "depot.h"

#include <dlfcn.h>
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <ucontext.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "lock.h"
#include "options.h"
#include "os.h"
#include "unload.h"


__thread int hg_stack_quiet;
int hg_stack_no_symbols;

/* ---- capture ------------------------------------------------------------------------ */

/* libunwind, loaded by hg_stack_init (NULL: no stacks). */
static int (*unwind_getcontext)(unw_context_t *);
static int (*unwind_init_local)(unw_cursor_t *, unw_context_t *);
static int (*unwind_step)(unw_cursor_t *);
static int (*unwind_get_reg)(unw_cursor_t *, unw_regnum_t, unw_word_t *);
static int (*unwind_get_save_loc)(unw_cursor_t *, int, unw_save_loc_t *);
static int (*unwind_is_signal_frame)(unw_cursor_t *);
/* For unwinding from a signal context (hg_stack_capture_context). */
static int (*unwind_init_local2)(unw_cursor_t *, unw_context_t *, int);
/* libunwind's own cache of frame states, by address, and its address space (dlclose). */
static void (*unwind_flush_cache)(unw_addr_space_t, unw_word_t, unw_word_t);
static unw_addr_space_t unwind_local_as;
/* The allocator's own code, when it is a shared object: leading frames inside it are
 * dropped at capture.  (Linked statically, it is part of the program: the printer then
 * drops the frames up to the allocation function by name.) */
static uintptr_t own_text_lo, own_text_hi;
/* Frames the allocator itself may add on top of the caller's (entry point, dispatch,
 * check mode, capture). */
#define OWN_FRAMES_MAX HG_STACK_OWN_FRAMES_MAX
/* Frames to keep: the depth asked for, plus the allocator's own when they cannot be
 * told apart at capture (linked statically).  0: no stacks. */
static int capture_max;

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
static _Atomic uint64_t *rules;   /* 1 << RULES_LOG entries, mmap'd by hg_stack_init */
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
 * lookups and the depot's hash: the common capture, repeating a recent one.  Addresses
 * and words are kept complemented (as a block record's user address, blocks.h): the
 * leak scan reads this memory, and a saved rbp may be a pointer into the heap, or the
 * stack a coroutine's heap block.  MEMO_READS reads at most; a longer walk is not kept. */
#define MEMO_LOG   4    /* sets of two entries (a loop's malloc and free, at the same
                           frame address, would evict each other in one set in 16) */
#define MEMO_READS 24
struct walk_memo {
  uintptr_t start;      /* the entry point's frame address; 0: empty */
  uint32_t n;           /* reads, in the walk's order */
  hg_stack_t id;        /* the stack found (never 0) */
  struct { uintptr_t addr, word; } r[MEMO_READS];   /* both complemented */
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
static __thread struct near *near;
static struct near *near_free;        /* released by exited threads */
static struct near *near_all;         /* every block ever made (dlclose empties them) */
static hg_lock_t near_lock = HG_LOCK_INIT;   /* near_free, near_all */
static pthread_key_t near_key;
static bool near_key_ready;
/* When no block can be mapped: rules only, shared (an entry is one word, checked against
 * its return address, as in `rules`); the stacks, two words, are not looked at. */
static struct near near_shared;

static void near_release(void *arg) {
  struct near *b = arg;
  near = NULL;
  if (b == &near_shared) return;
  hg_lock(&near_lock);
  b->next_free = near_free;
  near_free = b;
  hg_unlock(&near_lock);
}

/* The calling thread's block, made on its first capture. */
static HG_NOINLINE struct near *near_make(void) {
  hg_lock(&near_lock);
  struct near *b = near_free;
  if (b) near_free = b->next_free;
  hg_unlock(&near_lock);
  if (!b) {
    b = hg_os_map(hg_align_up(sizeof *b, HG_PAGE));   /* zeroed */
    if (!b) return near = &near_shared;
    hg_lock(&near_lock);
    b->next_all = near_all;
    near_all = b;
    hg_unlock(&near_lock);
  }
  /* (A key among the first 32 is set without allocating; a later one may calloc, which
   * then gets no stack.) */
  hg_stack_quiet++;
  if (!near_key_ready || pthread_setspecific(near_key, b) != 0) {
    hg_stack_quiet--;
    near_release(b);   /* no way to learn of the thread's exit: not kept */
    return near = &near_shared;
  }
  hg_stack_quiet--;
  return near = b;
}

static inline struct near *near_get(void) {
  struct near *b = near;
  return __builtin_expect(b != NULL, 1) ? b : near_make();
}

/* Rules are keyed by return address, which stays true only while the same code is
 * at that address: dlclose can unmap a library and a later dlopen map another at the
 * same place, whose frames a stale rule would read at the wrong offsets (a wrong stack,
 * or a read past the top of the stack: a crash inside malloc).  So the library's
 * dlclose calls the real one (libc's, found once), then forgets every rule: libunwind's
 * cache of frame states (which would teach the stale rule again), the shared table and
 * every thread's block.  Nothing of the unloaded library can be on a stack by then (it
 * would be the program's bug), so a walk in progress meanwhile meets none of its
 * addresses, and an owner's store racing with the clearing is of another address's
 * rule (whole words: either value is a true rule).  In every mode (a plain call
 * through while check mode has learnt nothing); warm text (heapguard.ld.in): most
 * processes never call it. */
static void forget_rules(void) {
  if (unwind_flush_cache && unwind_local_as) unwind_flush_cache(unwind_local_as, 0, 0);
  for (size_t i = 0; i < (size_t)1 << RULES_LOG; i++)
    atomic_store_explicit(&rules[i], 0, memory_order_relaxed);
  hg_lock(&near_lock);
  for (struct near *b = near_all; b; b = b->next_all) {
    for (size_t i = 0; i < (size_t)1 << NEAR_LOG; i++) __atomic_store_n(&b->rules[i], 0, __ATOMIC_RELAXED);
    for (size_t i = 0; i < (size_t)2 << MEMO_LOG; i++) __atomic_store_n(&b->memo[i].start, 0, __ATOMIC_RELAXED);
  }
  for (size_t i = 0; i < (size_t)1 << NEAR_LOG; i++) __atomic_store_n(&near_shared.rules[i], 0, __ATOMIC_RELAXED);
  hg_unlock(&near_lock);
}

/* Stacks are taken (check mode, guard mode's samples): besides forgetting the rules,
 * frames already captured in an object this call unloads are rewritten to name it
 * (unload.h), before a later dlopen can put other code at their addresses, and the
 * threads' last stacks, matched by hash alone, are forgotten (depot.h). */
static HG_NOINLINE int dlclose_tracked(int (*real)(void *), void *handle) {
  struct hg_unload_probe probe;
  bool known = hg_unload_probe(handle, &probe);
  int r = real(handle);
  forget_rules();
  int k = known ? hg_unload_record(&probe) : -1;
  if (k >= 0) {
    hg_depot_forget_object((unsigned)k, &probe.obj);
    hg_lock(&near_lock);
    for (struct near *b = near_all; b; b = b->next_all)
      for (size_t i = 0; i < (size_t)1 << NEAR_STACKS_LOG; i++)
        __atomic_store_n(&b->stacks[i].id, 0, __ATOMIC_RELAXED);
    hg_unlock(&near_lock);
  }
  atomic_fetch_add_explicit(&hg_unload_generation, 1, memory_order_release);
  return r;
}

HG_EXPORT int dlclose(void *handle) {
  static int (*real_dlclose)(void *);
  int (*f)(void *) = __atomic_load_n(&real_dlclose, __ATOMIC_RELAXED);
  if (!f) {
    *(void **)&f = dlsym(RTLD_NEXT, "dlclose");
    if (!f) return -1;   /* cannot happen with a dynamic libc: nothing to unload */
    __atomic_store_n(&real_dlclose, f, __ATOMIC_RELAXED);
  }
  return rules ? dlclose_tracked(f, handle) : f(handle);
}

static inline uint64_t rule_hash(uintptr_t ip) { return ip * 0x9e3779b97f4a7c15u; }

static inline _Atomic uint64_t *rule_slot(uintptr_t ip) {
  return &rules[rule_hash(ip) >> (64 - RULES_LOG)];
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

static inline bool own_code(uintptr_t pc) { return pc >= own_text_lo && pc < own_text_hi; }

/* The library's code is in several executable segments (heapguard.ld.in: warm, cold
 * and hot text, which an entry point's frames span): own_text is from the first one's
 * start to the last one's end, the gaps between them being the library's own. */
static int find_own_text(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  uintptr_t self = (uintptr_t)arg, lo = UINTPTR_MAX, hi = 0;
  bool mine = false;
  for (unsigned i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
    uintptr_t a = info->dlpi_addr + ph->p_vaddr, b = a + ph->p_memsz;
    if (a < lo) lo = a;
    if (b > hi) hi = b;
    if (self >= a && self < b) mine = true;
  }
  if (!mine) return 0;
  if (info->dlpi_name && info->dlpi_name[0]) {
    own_text_lo = lo;
    own_text_hi = hi;
  }
  return 1;
}

/* libunwind loaded (or found missing), and the rest of what capture needs made: 2.
 * Sampled mode loads it at its first sample (hg_stack_ready): 0 until then, 1 while one
 * thread loads it. */
static _Atomic int unwinder_state;

static void load_unwinder(void) {
  hg_stack_quiet++;
  void *lib = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
  hg_stack_quiet--;
  if (!lib) {
    /* Missing, or present but not loadable: under a small RLIMIT_AS the loader's
     * mmap fails ("failed to map segment"), and telling that user to install the
     * package would send them the wrong way. */
    const char *why = dlerror();
    if (!why || strstr(why, "No such file"))
      hg_message("%s: libunwind.so.8 not found (Debian: apt-get install libunwind8); "
                 "reports will have no stacks", hg_diag_mode());
    else
      hg_message("%s: cannot load libunwind.so.8 (%s); reports will have no stacks", hg_diag_mode(), why);
    return;
  }
  int (*set_policy)(void *as, int policy) = (int (*)(void *, int))dlsym(lib, "_ULx86_64_set_caching_policy");
  void **local_as = dlsym(lib, "_ULx86_64_local_addr_space");
  if (set_policy && local_as) set_policy(*local_as, 2 /* UNW_CACHE_PER_THREAD */);
  *(void **)&unwind_flush_cache = dlsym(lib, "_Ux86_64_flush_cache");
  if (local_as) unwind_local_as = *local_as;
  *(void **)&unwind_getcontext = dlsym(lib, "_Ux86_64_getcontext");
  *(void **)&unwind_init_local = dlsym(lib, "_ULx86_64_init_local");
  *(void **)&unwind_step = dlsym(lib, "_ULx86_64_step");
  *(void **)&unwind_get_reg = dlsym(lib, "_ULx86_64_get_reg");
  *(void **)&unwind_get_save_loc = dlsym(lib, "_ULx86_64_get_save_loc");
  *(void **)&unwind_is_signal_frame = dlsym(lib, "_ULx86_64_is_signal_frame");
  *(void **)&unwind_init_local2 = dlsym(lib, "_ULx86_64_init_local2");
  if (!unwind_getcontext || !unwind_init_local || !unwind_step || !unwind_get_reg ||
      !unwind_get_save_loc || !unwind_is_signal_frame)
    return;
  rules = hg_os_map(sizeof(uint64_t) << RULES_LOG);
  if (!rules) return;
  near_key_ready = pthread_key_create(&near_key, near_release) == 0;
  size_t depth = hg_opt.stack_depth < HG_STACK_MAX_DEPTH ? hg_opt.stack_depth : HG_STACK_MAX_DEPTH;
  capture_max = (int)depth + (own_text_hi ? 0 : OWN_FRAMES_MAX);
}

void hg_stack_init(void) {
  dl_iterate_phdr(find_own_text, (void *)(uintptr_t)&hg_stack_capture);
  if (hg_opt.stack_depth) load_unwinder();
  atomic_store_explicit(&unwinder_state, 2, memory_order_release);
}

void hg_stack_init_lazy(void) {
  hg_depot_small();
  dl_iterate_phdr(find_own_text, (void *)(uintptr_t)&hg_stack_capture);
  if (!hg_opt.stack_depth) atomic_store_explicit(&unwinder_state, 2, memory_order_release);
}

/* Sampled mode's first sample, inside malloc: libunwind (with liblzma, its rule table
 * and caches: about 225 KiB resident) is loaded now, so that a process that never
 * samples never maps it, and the first sample still has its stacks.  dlopen allocates
 * (those requests are quiet: never sampled, served by the default heap, whose state
 * no request is changing here: the sample is decided before the heap is touched) and
 * takes the loader's lock, which is recursive: a malloc from a constructor that a
 * dlopen runs may load it.  Not while the loader is changing the list of objects
 * (r_debug's state: a dlopen or dlclose mapping or unmapping them, whose own mallocs
 * come here), where a nested dlopen would find it half made: that request is not
 * sampled, nor are those of other threads while one thread loads; a later one loads
 * it.  (What remains: a thread that samples first while it holds a lock of the
 * program's that a constructor run by another thread's dlopen waits for would wait for
 * the loader's lock: the hazard any call that takes the loader's lock has, such as a
 * C++ throw's dl_iterate_phdr.) */
static HG_NOINLINE bool load_at_first_sample(void) {
  int none = 0;
  if (_r_debug.r_state != RT_CONSISTENT ||
      !atomic_compare_exchange_strong_explicit(&unwinder_state, &none, 1, memory_order_acquire,
                                               memory_order_acquire))
    return atomic_load_explicit(&unwinder_state, memory_order_acquire) == 2;
  load_unwinder();
  atomic_store_explicit(&unwinder_state, 2, memory_order_release);
  return true;
}

bool hg_stack_ready(void) {
  return hg_likely(atomic_load_explicit(&unwinder_state, memory_order_acquire) == 2) || load_at_first_sample();
}

/* The rule for the frame (ip, sp, bp) from what one libunwind step found: the caller's
 * sp (the CFA) and return address, and where the caller's rbp is (`before`: where
 * this frame's rbp was, to tell "unchanged" apart). */
static unsigned infer_rule(uintptr_t sp, uintptr_t bp, const unw_save_loc_t *before,
                           uintptr_t cfa, uintptr_t ra, const unw_save_loc_t *after) {
  if (cfa <= sp || cfa - sp > ((size_t)1 << 20) || (cfa & 7) || *(const uintptr_t *)(cfa - 8) != ra)
    return RULE_SLOW;
  unsigned saved = 0;   /* 0: rbp unchanged */
  if (after->type != UNW_SLT_MEMORY) return RULE_SLOW;
  if (before->type != UNW_SLT_MEMORY || after->u.addr != before->u.addr) {
    uintptr_t at = after->u.addr;
    if (at >= cfa || at < sp || ((cfa - at) & 7)) return RULE_SLOW;
    if (at == bp) return cfa == bp + 16 ? RULE_BP | 1u << 2 : RULE_SLOW;   /* a frame pointer */
    saved = (unsigned)((cfa - at) >> 3) - 1;
    if (saved < 1 || saved > 7) return RULE_SLOW;
  }
  size_t words = (cfa - sp) >> 3;
  if (words >= ((size_t)1 << (RULE_BITS - 5))) return RULE_SLOW;
  return RULE_SP | saved << 2 | (unsigned)words << 5;
}

static void learn(uintptr_t ip, unsigned rule) {
  atomic_store_explicit(rule_slot(ip), (uint64_t)ip << RULE_BITS | rule, memory_order_relaxed);
}

/* The cursor's frame: ip, sp, rbp (0 if unknown) and where rbp was saved. */
static void cursor_frame(unw_cursor_t *c, unw_word_t *ip, unw_word_t *sp, unw_word_t *bp,
                         unw_save_loc_t *loc) {
  *ip = *sp = 0;
  unwind_get_reg(c, UNW_REG_IP, ip);
  unwind_get_reg(c, UNW_REG_SP, sp);
  if (unwind_get_reg(c, UNW_X86_64_RBP, bp) != 0) *bp = 0;
  if (unwind_get_save_loc(c, UNW_X86_64_RBP, loc) != 0) loc->type = UNW_SLT_NONE;
}

/* The stack with libunwind, frame by frame, learning the rule of each frame met: into
 * frames, at most max, leading frames of the allocator's own left out. */
static HG_NOINLINE int walk_slow(uintptr_t *frames, int max) {
  unw_context_t ctx;
  unw_cursor_t c;
  if (unwind_getcontext(&ctx) != 0 || unwind_init_local(&c, &ctx) != 0) return 0;
  unw_word_t ip, sp, bp;
  unw_save_loc_t loc;
  cursor_frame(&c, &ip, &sp, &bp, &loc);
  int n = 0;
  bool learning = true;   /* after a signal frame, ip is no return address: stop */
  while (ip) {
    if (n || !own_code(ip)) {
      frames[n++] = ip;
      if (n == max) break;
    }
    bool signal = unwind_is_signal_frame(&c) > 0;
    if (unwind_step(&c) <= 0) {
      if (learning && !signal) learn(ip, RULE_LAST);
      break;
    }
    unw_word_t ip2, sp2, bp2;
    unw_save_loc_t loc2;
    cursor_frame(&c, &ip2, &sp2, &bp2, &loc2);
    if (signal) learning = false;
    if (learning) learn(ip, infer_rule(sp, bp, &loc, sp2, ip2, &loc2));
    ip = ip2;
    sp = sp2;
    bp = bp2;
    loc = loc2;
  }
  return n;
}

/* The hash of a stack's frames, one frame at a time (walk makes it as it goes). */
#define HASH_SEED 0x9e3779b97f4a7c15u

static inline uint64_t hash_step(uint64_t h, uintptr_t frame) {
  h = (h ^ frame) * 0xff51afd7ed558ccdu;
  return h ^ (h >> 29);
}

static uint64_t hash_frames(const uintptr_t *frames, unsigned n) {
  uint64_t h = HASH_SEED;
  for (unsigned i = 0; i < n; i++) h = hash_step(h, frames[i]);
  return h;
}

/* One frame with libunwind: from frame (ip, sp, bp) (ip a return address) to its
 * caller's, learning the frame's rule.  False if libunwind cannot step, or the frame is
 * a signal frame, after which the next frame's ip is no return address (walk_slow
 * handles that). */
struct step { uintptr_t ip, sp, bp; unsigned rule; bool ok; };

static HG_NOINLINE struct step step_slow(uintptr_t ip, uintptr_t sp, uintptr_t bp) {
  struct step r = { 0, 0, 0, RULE_SLOW, false };
  unw_context_t ctx;
  unw_cursor_t c;
  memset(&ctx, 0, sizeof ctx);
  ctx.uc_mcontext.gregs[REG_RIP] = (greg_t)ip;
  ctx.uc_mcontext.gregs[REG_RSP] = (greg_t)sp;
  ctx.uc_mcontext.gregs[REG_RBP] = (greg_t)bp;
  if (unwind_init_local(&c, &ctx) != 0 || unwind_is_signal_frame(&c) > 0) return r;
  unw_save_loc_t loc, loc2;
  if (unwind_get_save_loc(&c, UNW_X86_64_RBP, &loc) != 0) loc.type = UNW_SLT_NONE;
  int ret = unwind_step(&c);
  if (ret < 0) return r;
  r.ok = true;
  if (ret == 0) {
    learn(ip, r.rule = RULE_LAST);
    return r;
  }
  unw_word_t ip2 = 0, sp2 = 0, bp2 = 0;
  unwind_get_reg(&c, UNW_REG_IP, &ip2);
  unwind_get_reg(&c, UNW_REG_SP, &sp2);
  if (unwind_get_reg(&c, UNW_X86_64_RBP, &bp2) != 0) bp2 = 0;
  if (unwind_get_save_loc(&c, UNW_X86_64_RBP, &loc2) != 0) loc2.type = UNW_SLT_NONE;
  learn(ip, r.rule = infer_rule(sp, bp, &loc, sp2, ip2, &loc2));
  r.ip = ip2;
  r.sp = sp2;
  r.bp = bp2;
  return r;
}

/* The stack, from the cached rules; a frame whose rule is missing (or says so) is
 * stepped by libunwind, and the walk goes on from its caller.  It starts at the caller
 * of the function whose frame pointer is `start` (NULL: the frame it is inlined in,
 * hg_stack_capture_at's, which keeps a frame pointer as it takes its frame's address:
 * the allocator's own frames are left out anyway), whose frame is then known exactly.
 * (Inlined: a call of its own cost a prologue saving six registers, every capture.)
 * Returns the number of frames, minus one less that if libunwind was used (-1 - n): its
 * stack usage is to be wiped. */
static inline __attribute__((always_inline)) int walk(struct near *nb, uintptr_t *frames, int max,
                                                        const void *start, uint64_t *hash,
                                                        struct walk_memo *m) {
  const uintptr_t *fp = start ? start : __builtin_frame_address(0);
  uintptr_t ip = fp[1], sp = (uintptr_t)(fp + 2), bp = fp[0];
  uint64_t h = HASH_SEED;   /* the frames' hash (hash_frames), made on the way: the
                               walk waits on memory, the multiplies fit in between */
  int n = 0;
  bool slow = false;
  /* The words the frames found depend on, into m (if any), in the order read (struct
   * walk_memo); k: their count.  An rbp is one of them only once a frame-pointer frame
   * uses it (the program's rbp, saved by the entry point, is any register's value in
   * code without frame pointers, and changes from call to call): bp_at is where the
   * current one was read, 0 once it is kept.  (Kept later than it was read: the words
   * its address came from are still before it.) */
  unsigned k = 1;
  uintptr_t bp_at = (uintptr_t)fp;
  if (m) {
    m->r[0].addr = ~(uintptr_t)(fp + 1);
    m->r[0].word = ~ip;
  }
  for (;;) {
    if (n || !own_code(ip)) {
      frames[n++] = ip;
      h = hash_step(h, ip);
      if (n == max) break;
    }
    uint64_t e = rule_entry(nb, ip);
    unsigned rule = (unsigned)e & ((1u << RULE_BITS) - 1);
    uintptr_t cfa;
    if ((e >> RULE_BITS) != ip || (rule & 3) == RULE_SLOW) {
      /* (The state goes by value, not by address: the loop keeps it in registers.)
       * libunwind's first use in a thread allocates its thread-local storage (a
       * dlopen'ed library's TLS comes from malloc): that allocation must not unwind.
       * libunwind checks addresses with write(2) and read(2) on a pipe, cancellation
       * points: a thread with a cancellation pending would end inside malloc. */
      int cancel_state;
      pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
      hg_stack_quiet++;
      struct step st = step_slow(ip, sp, bp);
      if (!st.ok) n = walk_slow(frames, max);
      hg_stack_quiet--;
      pthread_setcancelstate(cancel_state, NULL);
      slow = true;
      if (!st.ok) {
        h = hash_frames(frames, (unsigned)n);
        break;
      }
      ip = st.ip;
      sp = st.sp;
      bp = st.bp;
      if (st.rule == RULE_LAST || !ip) break;
      continue;
    }
    if ((rule & 3) == RULE_SP) cfa = sp + ((uintptr_t)(rule >> 5) << 3);
    else if ((rule & 3) == RULE_BP) {
      cfa = bp + 16;
      if (bp_at) {
        if (m && k < MEMO_READS) {
          m->r[k].addr = ~bp_at;
          m->r[k].word = ~bp;
        }
        k++;
        bp_at = 0;
      }
    } else {
      break;   /* RULE_LAST */
    }
    if (cfa <= sp || cfa - sp > ((size_t)1 << 20)) break;   /* not a caller's frame */
    unsigned saved = (rule >> 2) & 7;
    if (saved) {
      bp_at = cfa - 8 * (saved + 1);
      bp = *(const uintptr_t *)bp_at;
    }
    ip = *(const uintptr_t *)(cfa - 8);
    if (m && k < MEMO_READS) {
      m->r[k].addr = ~(cfa - 8);
      m->r[k].word = ~ip;
    }
    k++;
    sp = cfa;
    if (!ip) break;
  }
  *hash = h;
  if (m) m->n = slow || k > MEMO_READS ? 0 : k;   /* 0: not to be kept */
  return slow ? -1 - n : n;
}

/* Zero the stack below the caller's frame that libunwind used (its cursor and context
 * alone are 2 KiB; a first walk in a thread reaches about 4.5 KiB below the program's
 * frame), so no stale address of the program's survives there for the leak scan to
 * find: SCRUB_MAX bytes, but never past the end of the stack the thread runs on.  A
 * thread may have a stack of PTHREAD_STACK_MIN (16 KiB, its TLS and descriptor taken
 * out of it), a signal handler may run on an alternate stack of MINSIGSTKSZ, often
 * malloc'd (12 KiB below it is another block's memory), and a coroutine on a stack of
 * its own: libunwind wrote only into the stack in use, so the scrub stops at its
 * floor, less SCRUB_MARGIN for memset's frame and a signal's frame, and when the
 * stack's bounds are not known (sp outside the thread's stack and not on its
 * alternate stack: a coroutine's) it zeroes nothing. */
#define SCRUB_MAX (12 * 1024)
#define SCRUB_MARGIN 1024

/* The calling thread's stack, [stack_lo, stack_hi): found at its first scrub (0: not
 * yet; stack_hi 1: not known), by pthread_getattr_np, which allocates (quiet: those
 * allocations capture no stack) and, in the main thread, reads /proc/self/maps. */
static __thread uintptr_t stack_lo, stack_hi;

static HG_NOINLINE void find_stack(void) {
  pthread_attr_t attr;
  void *lo = NULL;
  size_t size = 0;
  hg_stack_quiet++;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    if (pthread_attr_getstack(&attr, &lo, &size) != 0) lo = NULL;
    pthread_attr_destroy(&attr);
  }
  hg_stack_quiet--;
  stack_lo = (uintptr_t)lo;
  stack_hi = lo ? (uintptr_t)lo + size : 1;
}

static HG_NOINLINE void scrub_deep(void) {
  uintptr_t sp = (uintptr_t)__builtin_frame_address(0), lo;
  stack_t alt;
  if (sigaltstack(NULL, &alt) == 0 && (alt.ss_flags & SS_ONSTACK)) {
    lo = (uintptr_t)alt.ss_sp;
  } else {
    if (!stack_hi) find_stack();
    lo = sp > stack_lo && sp < stack_hi ? stack_lo : sp;
  }
  size_t n = sp - lo > SCRUB_MARGIN ? sp - lo - SCRUB_MARGIN : 0;
  if (n > SCRUB_MAX) n = SCRUB_MAX;
  if (!n) return;
  char *area = __builtin_alloca(n);
  memset(area, 0, n);
  __asm__ volatile("" : : "r"(area) : "memory");
}

uintptr_t hg_stack_exit_caller_sp(uintptr_t regs[HG_EXIT_REGS]) {
  static const int callee_saved[HG_EXIT_REGS] = { UNW_X86_64_RBX, UNW_X86_64_RBP, UNW_X86_64_R12,
                                                  UNW_X86_64_R13, UNW_X86_64_R14, UNW_X86_64_R15 };
  if (!unwind_getcontext || !unwind_init_local || !unwind_step || !unwind_get_reg) return 0;
  unw_context_t ctx;
  unw_cursor_t cursor;
  if (unwind_getcontext(&ctx) != 0 || unwind_init_local(&cursor, &ctx) != 0) return 0;
  bool in_exit = false;
  for (int depth = 0; depth < 64 && unwind_step(&cursor) > 0; depth++) {
    unw_word_t ip = 0, sp = 0;
    unwind_get_reg(&cursor, UNW_REG_IP, &ip);
    unwind_get_reg(&cursor, UNW_REG_SP, &sp);
    if (in_exit) {   /* the frame that called exit(): its registers as the unwinder restored them */
      for (int i = 0; i < HG_EXIT_REGS; i++) {
        unw_word_t v = 0;
        if (unwind_get_reg(&cursor, callee_saved[i], &v) == 0) regs[i] = v;
      }
      return sp;
    }
    Dl_info info;
    if (dladdr((void *)(ip - 1), &info) && info.dli_sname && strcmp(info.dli_sname, "exit") == 0)
      in_exit = true;
  }
  return 0;
}

/* ---- the depot's fast path ------------------------------------------------------- */

/* The id of the stack frames[0 .. n-1], whose hash_frames is h64 (depot.h).  nb: the
 * calling thread's block, or NULL (a signal handler's capture does without).  The
 * thread's own table is looked at inline: most captures end there. */
static inline hg_stack_t depot_put(struct near *nb, const uintptr_t *frames, unsigned n, uintptr_t flags,
                                   uint64_t h64) {
  uint32_t hash = (uint32_t)((h64 * 0x9e3779b97f4a7c15u) >> 32);
  uintptr_t header = (uintptr_t)hash << 32 | flags | n;
  uint64_t full = h64 ^ header;   /* the count and flags in too */
  struct near_stack *ns = nb && nb != &near_shared ? &nb->stacks[hash & ((1u << NEAR_STACKS_LOG) - 1)] : NULL;
  hg_stack_t id;
  if (ns && (id = ns->id) != 0 && ns->hash == full) return id;
  return hg_depot_put_slow(ns, frames, n, hash, header, full);
}

bool hg_stack_holds(uintptr_t a) {
  return hg_depot_holds(a) || (rules && a - (uintptr_t)rules < (sizeof(uint64_t) << RULES_LOG));
}

hg_stack_t hg_stack_capture(void) { return hg_stack_capture_at(NULL); }

/* Whether memo entry m (m->start checked) holds: each word it read is there again. */
static inline bool memo_holds(const struct walk_memo *m) {
  for (unsigned i = 0; i < m->n; i++)
    if (*(const uintptr_t *)~m->r[i].addr != ~m->r[i].word) return false;
  return true;
}

/* hg_stack_capture_at after its memo missed (m: the entry to fill, or NULL).  (Apart:
 * the memo's answer costs no prologue saving the walk's registers.) */
static HG_NOINLINE hg_stack_t capture(const void *frame, struct near *nb, struct walk_memo *m) {
  /* As many as needed, no more: check mode wipes the stack its calls used. */
  uintptr_t *frames = __builtin_alloca((size_t)capture_max * sizeof *frames);
  uint64_t hash;
  int n = walk(nb, frames, capture_max, frame, &hash, m);
  if (n < 0) {   /* libunwind walked */
    n = -1 - n;
    scrub_deep();
  }
#ifdef HG_STACK_VERIFY
  /* make CC="gcc -DHG_STACK_VERIFY" (the Makefile takes no CFLAGS): every fast walk
   * checked against libunwind's. */
  else if (own_text_hi) {   /* (linked statically, the allocator's frames differ) */
    uintptr_t slow[HG_STACK_MAX_DEPTH + OWN_FRAMES_MAX];
    hg_stack_quiet++;
    int ns = walk_slow(slow, capture_max);
    hg_stack_quiet--;
    if (ns != n || memcmp(slow, frames, (size_t)n * sizeof *frames) != 0) {
      hg_message("stack verify: fast walk differs from libunwind (%d vs %d frames)", n, ns);
      for (int i = 0; i < n || i < ns; i++)
        hg_message("  %d: %p %p", i, i < n ? (void *)frames[i] : NULL, i < ns ? (void *)slow[i] : NULL);
    }
  }
#endif
  hg_stack_t id = n > 0 ? depot_put(nb, frames, (unsigned)n, 0, hash) : 0;
  if (m) {
    if (id && m->n) {
      m->id = id;
      m->start = (uintptr_t)frame;
    }
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    nb->memo_busy = 0;
  }
#ifdef HG_STACK_VERIFY
  if (id) {   /* and the depot's answer */
    unsigned nr;
    bool exact;
    const uintptr_t *r = hg_stack_frames(id, &nr, &exact);
    if (nr != (unsigned)n || memcmp(r, frames, (size_t)n * sizeof *frames) != 0)
      hg_message("stack verify: stack %u is not the stack captured", id);
  }
#endif
  return id;
}

hg_stack_t hg_stack_capture_at(const void *frame) {
  if (!capture_max || hg_stack_quiet) return 0;
  struct near *nb = near_get();
  struct walk_memo *m = NULL;
  if (frame && nb != &near_shared && !nb->memo_busy) {
    uintptr_t key = (uintptr_t)frame ^ ((const uintptr_t *)frame)[1];
    unsigned set = (unsigned)((key * 0x9e3779b97f4a7c15u) >> (64 - MEMO_LOG));
    nb->memo_busy = 1;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);   /* (a handler's capture sees it set) */
    for (unsigned w = 0; w < 2; w++) {
      m = &nb->memo[2 * set + w];
      if (m->start == (uintptr_t)frame && memo_holds(m)) {
        hg_stack_t id = m->id;
        nb->memo_victim[set] = (uint8_t)(w ^ 1);
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        nb->memo_busy = 0;
#ifdef HG_STACK_VERIFY   /* and every answer of the memo against the walk's */
        hg_stack_t walked = capture(frame, nb, NULL);
        if (walked != id) hg_message("stack verify: the memo says stack %u, the walk %u", id, walked);
#endif
        return id;
      }
    }
    m = &nb->memo[2 * set + nb->memo_victim[set]];
    nb->memo_victim[set] ^= 1;
    m->start = 0;   /* rewritten by this walk */
  }
  return capture(frame, nb, m);
}

unsigned hg_stack_context_frames(void *ucontext, uintptr_t *frames, unsigned max) {
  if (!unwind_init_local2 || !unwind_step || !unwind_get_reg || hg_stack_quiet || max == 0) return 0;
  unw_cursor_t cursor;
  unsigned n = 0;
  hg_stack_quiet++;
  if (unwind_init_local2(&cursor, (unw_context_t *)ucontext, 1 /* UNW_INIT_SIGNAL_FRAME */) == 0) {
    do {
      unw_word_t ip = 0;
      if (unwind_get_reg(&cursor, UNW_REG_IP, &ip) != 0 || ip == 0) break;
      frames[n++] = ip;
    } while (n < max && unwind_step(&cursor) > 0);
  }
  hg_stack_quiet--;
  return n;
}

hg_stack_t hg_stack_capture_context(void *ucontext) {
  size_t depth = hg_opt.stack_depth < HG_STACK_MAX_DEPTH ? hg_opt.stack_depth : HG_STACK_MAX_DEPTH;
  uintptr_t frames[HG_STACK_MAX_DEPTH];
  unsigned n = hg_stack_context_frames(ucontext, frames, (unsigned)depth);
  return n ? depot_put(NULL, frames, n, HG_DEPOT_EXACT_FIRST, hash_frames(frames, n)) : 0;
}

bool hg_stack_in_own_code(uintptr_t pc) { return pc >= own_text_lo && pc < own_text_hi; }
bool hg_stack_linked_statically(void) { return own_text_hi == 0; }

void hg_stack_fork_prepare(void) {
  hg_depot_fork_prepare();
  hg_lock(&near_lock);
}
void hg_stack_fork_parent(void) {
  hg_unlock(&near_lock);
  hg_depot_fork_parent();
}
void hg_stack_fork_child(void) {
  hg_lock_reset(&near_lock);
  hg_depot_fork_child();
}

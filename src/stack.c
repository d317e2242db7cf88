/* stack.c — capture: the walk over frame rules learnt from libunwind, the memo of
 * recent walks, dlclose; the inline look at the thread's last stacks in front of the
 * depot (depot.c).  See stack.h; the caches are stack_cache.c's, the depot depot.c's,
 * symbols symbolise.c's. */
#define _GNU_SOURCE
#include "stack.h"
#include "depot.h"
#include "stack_cache.h"

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
#include "wipe.h"


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
static void *unwind_lib;   /* its handle, for what only the exit needs (in_exit) */
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

/* Why dlclose forgets every rule: stack_cache.c.  libunwind's cache of frame states
 * goes first (it would teach a stale rule again).  Stacks are taken (check mode, guard
 * mode's samples): besides forgetting the rules, frames already captured in an object
 * this call unloads are rewritten to name it (unload.h), before a later dlopen can put
 * other code at their addresses, and the threads' last stacks, matched by hash alone,
 * are forgotten (depot.h). */
static HG_NOINLINE int dlclose_tracked(int (*real)(void *), void *handle) {
  struct hg_unload_probe probe;
  bool known = hg_unload_probe(handle, &probe);
  int r = real(handle);
  if (unwind_flush_cache && unwind_local_as) unwind_flush_cache(unwind_local_as, 0, 0);
  hg_stack_cache_forget_rules();
  int k = known ? hg_unload_record(&probe) : -1;
  if (k >= 0) {
    hg_depot_forget_object((unsigned)k, &probe.obj);
    hg_stack_cache_forget_stacks();
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
  return hg_stack_rules ? dlclose_tracked(f, handle) : f(handle);
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

/* pthread_getattr_np's code, [getattr_lo, getattr_hi) (0: not found), for find_stack. */
static uintptr_t getattr_lo, getattr_hi;

/* The code of the C library's function `name` (not a preloaded wrapper's or a non-PIE
 * program's PLT entry: RTLD_NEXT), [*lo, *hi): its address by dlsym (a hash lookup),
 * its end from its unwind entry (libunwind's get_proc_info_by_ip: a binary search of
 * .eh_frame_hdr; the same bounds as the symbol's size for pthread_getattr_np and exit).
 * dladdr1 for the symbol's size searches the whole of libc's symbol table: 86,000
 * instructions, at every start in check and guard mode.  False, *lo and *hi
 * unchanged, if not found (libunwind not loaded, no entry). */
static bool libc_code(const char *name, uintptr_t *lo, uintptr_t *hi) {
  void *f = dlsym(RTLD_NEXT, name);
  int (*by_ip)(unw_addr_space_t, unw_word_t, unw_proc_info_t *, void *) = NULL;
  if (unwind_lib) *(void **)&by_ip = dlsym(unwind_lib, "_ULx86_64_get_proc_info_by_ip");
  unw_proc_info_t pi;
  if (!f || !by_ip || !unwind_local_as || by_ip(unwind_local_as, (unw_word_t)f, &pi, NULL) != 0 ||
      pi.start_ip != (unw_word_t)f || pi.end_ip <= pi.start_ip)
    return false;
  *lo = (uintptr_t)f;
  *hi = (uintptr_t)pi.end_ip;
  return true;
}

static void find_getattr(void) {
  libc_code("pthread_getattr_np", &getattr_lo, &getattr_hi);   /* (else both stay 0) */
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
  unwind_lib = lib;
  int (*set_policy)(void *as, int policy) = (int (*)(void *, int))dlsym(lib, "_ULx86_64_set_caching_policy");
  void **local_as = dlsym(lib, "_ULx86_64_local_addr_space");
  if (set_policy && local_as) set_policy(*local_as, 2 /* UNW_CACHE_PER_THREAD */);
  hg_unwind_pipe_move();   /* (set_policy's first use opened it) */
  *(void **)&unwind_flush_cache = dlsym(lib, "_Ux86_64_flush_cache");
  if (local_as) unwind_local_as = *local_as;
  *(void **)&unwind_getcontext = dlsym(lib, "_Ux86_64_getcontext");
  *(void **)&unwind_init_local = dlsym(lib, "_ULx86_64_init_local");
  *(void **)&unwind_step = dlsym(lib, "_ULx86_64_step");
  *(void **)&unwind_get_reg = dlsym(lib, "_ULx86_64_get_reg");
  *(void **)&unwind_get_save_loc = dlsym(lib, "_ULx86_64_get_save_loc");
  *(void **)&unwind_is_signal_frame = dlsym(lib, "_ULx86_64_is_signal_frame");
  *(void **)&unwind_init_local2 = dlsym(lib, "_ULx86_64_init_local2");
  /* Each way of ending up without stacks says so: reports print "(no stack recorded)",
   * which alone reads like a fault of the program's (a rule table the kernel refused
   * under `ulimit -v` of about 8 MiB stopped every capture without a word). */
  if (!unwind_getcontext || !unwind_init_local || !unwind_step || !unwind_get_reg ||
      !unwind_get_save_loc || !unwind_is_signal_frame) {
    hg_message("%s: libunwind.so.8 lacks the functions heapguard calls (not libunwind 1.x "
               "for x86-64?); reports will have no stacks", hg_diag_mode());
    return;
  }
  if (!hg_stack_cache_init()) {
    hg_message("%s: no memory for the unwinder's rule table; reports will have no stacks",
               hg_diag_mode());
    return;
  }
  size_t depth = hg_opt.stack_depth < HG_STACK_MAX_DEPTH ? hg_opt.stack_depth : HG_STACK_MAX_DEPTH;
  capture_max = (int)depth + (own_text_hi ? 0 : OWN_FRAMES_MAX);
  find_getattr();
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

/* Where a walk starts: the first return address at ra_at, the rbp then at bp_at, the
 * memo's addresses kept as offsets from base (a frame record's address, whose return
 * address and rbp are at base + 1 and base; or the program's stack pointer at the
 * call, on the stack, with its rbp in the side stack's record: wipe.h).  base NULL:
 * the frame the walk is inlined in. */
struct origin { const uintptr_t *base, *ra_at, *bp_at; };

/* The stack, from the cached rules; a frame whose rule is missing (or says so) is
 * stepped by libunwind, and the walk goes on from its caller.  It starts at the caller
 * of the function whose frame pointer is `start` (NULL: the frame it is inlined in,
 * hg_stack_capture_at's, which keeps a frame pointer as it takes its frame's address:
 * the allocator's own frames are left out anyway), whose frame is then known exactly.
 * (Inlined: a call of its own cost a prologue saving six registers, every capture.)
 * Returns the number of frames, minus one less that if libunwind was used (-1 - n): its
 * stack usage is to be wiped. */
static inline __attribute__((always_inline)) int walk(struct near *nb, uintptr_t *frames, int max,
                                                        const struct origin *o, uint64_t *hash,
                                                        struct walk_memo *m) {
  const uintptr_t *fp = o->base ? o->base : __builtin_frame_address(0);
  const uintptr_t *ra_at = o->base ? o->ra_at : fp + 1, *bp_at0 = o->base ? o->bp_at : fp;
  uintptr_t ip = *ra_at, sp = (uintptr_t)(ra_at + 1), bp = *bp_at0;
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
  uintptr_t bp_at = (uintptr_t)bp_at0;
  if (m) {
    m->r[0].addr = (uintptr_t)ra_at - (uintptr_t)fp;
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
          m->r[k].addr = bp_at - (uintptr_t)fp;
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
      m->r[k].addr = cfa - 8 - (uintptr_t)fp;
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

/* Whether the calling thread is inside pthread_getattr_np (a frame of the first
 * GETATTR_FRAMES is in its code), or that cannot be told.  glibc holds the thread's own
 * descriptor lock while it allocates there (every thread's cpu set by realloc, the main
 * thread's fopen of /proc/self/maps), and does not take it recursively: asking for the
 * thread's stack from such an allocation would wait for ever (every Rust program calls
 * it so, in each of its threads, at start; tests/bugs/clean_getattr_self.c).  Once a
 * thread (find_stack finds the stack at a later walk), about 10 frames deep. */
#define GETATTR_FRAMES 24
static bool inside_getattr(void) {
  unw_context_t ctx;
  unw_cursor_t c;
  if (!getattr_hi || unwind_getcontext(&ctx) != 0 || unwind_init_local(&c, &ctx) != 0) return true;
  for (int i = 0; i < GETATTR_FRAMES && unwind_step(&c) > 0; i++) {
    unw_word_t ip = 0;
    if (unwind_get_reg(&c, UNW_REG_IP, &ip) != 0 || !ip) break;
    if (ip - 1 >= getattr_lo && ip - 1 < getattr_hi) return true;   /* ip: a return address */
  }
  return false;
}

static HG_NOINLINE void find_stack(void) {
  pthread_attr_t attr;
  void *lo = NULL;
  size_t size = 0;
  hg_stack_quiet++;
  if (inside_getattr()) {   /* not now: no scrub this time */
    hg_stack_quiet--;
    stack_lo = stack_hi = 0;
    return;
  }
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    if (pthread_attr_getstack(&attr, &lo, &size) != 0) lo = NULL;
    pthread_attr_destroy(&attr);
  }
  hg_stack_quiet--;
  stack_lo = (uintptr_t)lo;
  stack_hi = lo ? (uintptr_t)lo + size : 1;
}

size_t hg_stack_room(uintptr_t sp) {
  stack_t alt;
  uintptr_t lo;
  if (sigaltstack(NULL, &alt) == 0 && (alt.ss_flags & SS_ONSTACK)) {
    lo = (uintptr_t)alt.ss_sp;
  } else {
    if (!stack_hi) find_stack();
    lo = sp > stack_lo && sp < stack_hi ? stack_lo : sp;
  }
  return sp > lo ? sp - lo : 0;
}

static HG_NOINLINE void scrub_deep(void) {
  uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
  if (hg_side_on(sp)) return;   /* check mode's side stack: not a root (wipe.h) */
  size_t n = hg_stack_room(sp);
  n = n > SCRUB_MARGIN ? n - SCRUB_MARGIN : 0;
  if (n > SCRUB_MAX) n = SCRUB_MAX;
  if (!n) return;
  char *area = __builtin_alloca(n);
  memset(area, 0, n);
  __asm__ volatile("" : : "r"(area) : "memory");
}

/* Whether pc lies in the C library's exit(), whose bounds are looked up once
 * (libc_code).  A dladdr for every frame of the walk searched the whole symbol table
 * of each frame's object: 175,000 instructions at a trivial program's exit, about 1%
 * of its run in check mode.  Without them (a static program has no dynamic symbols)
 * dladdr answers per frame, as before. */
static uintptr_t exit_lo, exit_hi;   /* exit_lo 1: not found */

static bool in_exit(uintptr_t pc) {
  if (!exit_lo && !libc_code("exit", &exit_lo, &exit_hi)) exit_lo = 1;
  if (exit_hi) return pc >= exit_lo && pc < exit_hi;
  Dl_info info;
  return dladdr((void *)pc, &info) && info.dli_sname && strcmp(info.dli_sname, "exit") == 0;
}

uintptr_t hg_stack_exit_caller_sp(uintptr_t regs[HG_EXIT_REGS]) {
  static const int callee_saved[HG_EXIT_REGS] = { UNW_X86_64_RBX, UNW_X86_64_RBP, UNW_X86_64_R12,
                                                  UNW_X86_64_R13, UNW_X86_64_R14, UNW_X86_64_R15 };
  if (!unwind_getcontext || !unwind_init_local || !unwind_step || !unwind_get_reg) return 0;
  unw_context_t ctx;
  unw_cursor_t cursor;
  if (unwind_getcontext(&ctx) != 0 || unwind_init_local(&cursor, &ctx) != 0) return 0;
  bool found = false;
  for (int depth = 0; depth < 64 && unwind_step(&cursor) > 0; depth++) {
    unw_word_t ip = 0, sp = 0;
    unwind_get_reg(&cursor, UNW_REG_IP, &ip);
    unwind_get_reg(&cursor, UNW_REG_SP, &sp);
    if (found) {   /* the frame that called exit(): its registers as the unwinder restored them */
      for (int i = 0; i < HG_EXIT_REGS; i++) {
        unw_word_t v = 0;
        if (unwind_get_reg(&cursor, callee_saved[i], &v) == 0) regs[i] = v;
      }
      return sp;
    }
    if (in_exit((uintptr_t)ip - 1)) found = true;
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
  struct near_stack *ns = nb && nb != &hg_stack_near_shared ? &nb->stacks[hash & ((1u << NEAR_STACKS_LOG) - 1)] : NULL;
  hg_stack_t id;
  if (ns && (id = ns->id) != 0 && ns->hash == full) return id;
  return hg_depot_put_slow(ns, frames, n, hash, header, full);
}

bool hg_stack_holds(uintptr_t a) {
  return hg_depot_holds(a) || hg_stack_cache_holds(a);
}

hg_stack_t hg_stack_capture(void) { return hg_stack_capture_at(NULL); }

/* Whether memo entry m (m->start checked: start) holds: each word it read is there again. */
static inline bool memo_holds(const struct walk_memo *m, uintptr_t start) {
  for (unsigned i = 0; i < m->n; i++)
    if (*(const uintptr_t *)(start + m->r[i].addr) != ~m->r[i].word) return false;
  return true;
}

/* hg_stack_capture_at after its memo missed (m: the entry to fill, or NULL).  (Apart:
 * the memo's answer costs no prologue saving the walk's registers.) */
static HG_NOINLINE hg_stack_t capture(const uintptr_t *base, const uintptr_t *ra_at, const uintptr_t *bp_at,
                                      uintptr_t key, struct near *nb, struct walk_memo *m) {
  /* As many as needed, no more: the stack may be the program's (scrub_deep). */
  uintptr_t *frames = __builtin_alloca((size_t)capture_max * sizeof *frames);
  uint64_t hash;
  struct origin o = { base, ra_at, bp_at };
  int n = walk(nb, frames, capture_max, &o, &hash, m);
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
      m->start = key;
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

/* The capture from (base, ra_at, bp_at) (struct origin), its memo entries under key
 * (base, and its low bit set when the walk starts from a side stack's record: the two
 * walks read different words from the same base). */
static inline __attribute__((always_inline)) hg_stack_t capture_memo(const uintptr_t *base,
                                                                     const uintptr_t *ra_at,
                                                                     const uintptr_t *bp_at,
                                                                     uintptr_t key) {
  struct near *nb = near_get();
  struct walk_memo *m = NULL;
  if (nb != &hg_stack_near_shared && !nb->memo_busy) {
    uintptr_t mix = key ^ *ra_at;
    unsigned set = (unsigned)((mix * 0x9e3779b97f4a7c15u) >> (64 - MEMO_LOG));
    struct walk_memo *ways = &nb->memo[2 * set];   /* (its address made once, not per way) */
    nb->memo_busy = 1;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);   /* (a handler's capture sees it set) */
    for (unsigned w = 0; w < 2; w++) {
      m = &ways[w];
      if (m->start == key && memo_holds(m, (uintptr_t)base)) {
        hg_stack_t id = m->id;
        nb->memo_victim[set] = (uint8_t)(w ^ 1);
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        nb->memo_busy = 0;
#ifdef HG_STACK_VERIFY   /* and every answer of the memo against the walk's */
        hg_stack_t walked = capture(base, ra_at, bp_at, key, nb, NULL);
        if (walked != id) hg_message("stack verify: the memo says stack %u, the walk %u", id, walked);
#endif
        return id;
      }
    }
    m = &ways[nb->memo_victim[set]];
    nb->memo_victim[set] ^= 1;
    m->start = 0;   /* rewritten by this walk */
  }
  return capture(base, ra_at, bp_at, key, nb, m);
}

static HG_NOINLINE hg_stack_t capture_frame(const uintptr_t *fp) {
  return capture_memo(fp, fp + 1, fp, (uintptr_t)fp);
}

hg_stack_t hg_stack_capture_at(const void *frame) {
  if (!capture_max || hg_stack_quiet) return 0;
  if (!frame) return capture(NULL, NULL, NULL, 0, near_get(), NULL);
  /* A call on the side stack starts from the program's frame (wipe.h). */
  const uintptr_t *rec = hg_side_record();
  if (!rec) return capture_frame(frame);
  const uintptr_t *sp = (const uintptr_t *)rec[1];
  return capture_memo(sp, sp, rec, (uintptr_t)sp | 1);
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
  hg_side_fork_prepare();
  hg_depot_fork_prepare();
  hg_stack_cache_fork_prepare();
}
void hg_stack_fork_parent(void) {
  hg_stack_cache_fork_parent();
  hg_depot_fork_parent();
  hg_side_fork_parent();
}
void hg_stack_fork_child(void) {
  hg_stack_cache_fork_child();
  hg_depot_fork_child();
  hg_side_fork_child();
}

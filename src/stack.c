/* stack.c — capture with libunwind, the depot, symbolisation with libdw (see stack.h). */
#define _GNU_SOURCE
#include "stack.h"

#include <dlfcn.h>
#include <elfutils/libdwfl.h>
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <link.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "lock.h"
#include "options.h"
#include "os.h"

__thread int hg_stack_quiet;
int hg_stack_no_symbols;

/* ---- capture ------------------------------------------------------------------------ */

int (*hg_stack_unwinder)(void **frames, int max);   /* unw_backtrace */
int hg_stack_want;
/* For walking frames one by one (hg_stack_exit_caller_sp). */
static int (*unwind_getcontext)(unw_context_t *);
static int (*unwind_init_local)(unw_cursor_t *, unw_context_t *);
static int (*unwind_step)(unw_cursor_t *);
static int (*unwind_get_reg)(unw_cursor_t *, unw_regnum_t, unw_word_t *);
/* For unwinding from a signal context (hg_stack_capture_context). */
static int (*unwind_init_local2)(unw_cursor_t *, unw_context_t *, int);
/* The allocator's own code, when it is a shared object: leading frames inside it are
 * dropped at capture.  (Linked statically, it is part of the program: the printer then
 * drops the frames up to the allocation function by name.) */
static uintptr_t own_text_lo, own_text_hi;
/* Frames the allocator itself may add on top of the caller's (entry point, dispatch,
 * check mode, capture). */
#define OWN_FRAMES_MAX HG_STACK_OWN_FRAMES_MAX

static int find_own_text(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  uintptr_t self = (uintptr_t)arg;
  for (unsigned i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
    if (self < lo || self >= hi) continue;
    if (info->dlpi_name && info->dlpi_name[0]) {
      own_text_lo = lo;
      own_text_hi = hi;
    }
    return 1;
  }
  return 0;
}

void hg_stack_init(void) {
  dl_iterate_phdr(find_own_text, (void *)(uintptr_t)&hg_stack_capture);
  if (hg_opt.stack_depth == 0) return;
  hg_stack_quiet++;
  void *lib = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
  hg_stack_quiet--;
  if (!lib) {
    hg_message("check mode: libunwind.so.8 not found (Debian: apt-get install libunwind8); "
               "reports will have no stacks");
    return;
  }
  int (*set_policy)(void *as, int policy) = (int (*)(void *, int))dlsym(lib, "_ULx86_64_set_caching_policy");
  void **local_as = dlsym(lib, "_ULx86_64_local_addr_space");
  if (set_policy && local_as) set_policy(*local_as, 2 /* UNW_CACHE_PER_THREAD */);
  size_t depth = hg_opt.stack_depth < HG_STACK_MAX_DEPTH ? hg_opt.stack_depth : HG_STACK_MAX_DEPTH;
  /* Two frames of the allocator's own are the usual (check mode's function, the entry
   * point); linked statically, the program's frames start after an unknown number. */
  hg_stack_want = (int)depth + (own_text_hi ? 2 : OWN_FRAMES_MAX);
  *(void **)&hg_stack_unwinder = dlsym(lib, "unw_backtrace");
  *(void **)&unwind_getcontext = dlsym(lib, "_Ux86_64_getcontext");
  *(void **)&unwind_init_local = dlsym(lib, "_ULx86_64_init_local");
  *(void **)&unwind_step = dlsym(lib, "_ULx86_64_step");
  *(void **)&unwind_get_reg = dlsym(lib, "_ULx86_64_get_reg");
  *(void **)&unwind_init_local2 = dlsym(lib, "_ULx86_64_init_local2");
}

uintptr_t hg_stack_exit_caller_sp(void) {
  if (!unwind_getcontext || !unwind_init_local || !unwind_step || !unwind_get_reg) return 0;
  unw_context_t ctx;
  unw_cursor_t cursor;
  if (unwind_getcontext(&ctx) != 0 || unwind_init_local(&cursor, &ctx) != 0) return 0;
  bool in_exit = false;
  for (int depth = 0; depth < 64 && unwind_step(&cursor) > 0; depth++) {
    unw_word_t ip = 0, sp = 0;
    unwind_get_reg(&cursor, UNW_REG_IP, &ip);
    unwind_get_reg(&cursor, UNW_REG_SP, &sp);
    if (in_exit) return sp;   /* the frame that called exit() */
    Dl_info info;
    if (dladdr((void *)(ip - 1), &info) && info.dli_sname && strcmp(info.dli_sname, "exit") == 0)
      in_exit = true;
  }
  return 0;
}

/* ---- depot ---------------------------------------------------------------------------- *
 * Stacks live in chunks of CHUNK_WORDS words: a header word (hash in the high half,
 * depth in the low half, with EXACT_FIRST set when the first frame is the address of
 * the instruction itself, not a return address: a faulting access), the next id in the
 * same hash bucket, then the frames.  An id is (chunk << CHUNK_SHIFT | word offset) + 1.
 * Nothing is ever removed. */

#define CHUNK_SHIFT  21                     /* 2 Mi words = 16 MiB per chunk */
#define CHUNK_WORDS  ((size_t)1 << CHUNK_SHIFT)
#define MAX_CHUNKS   512
#define BUCKETS_LOG  20
#define EXACT_FIRST  ((uintptr_t)1 << 31)
#define DEPTH_MASK   ((uintptr_t)0xffff)

static hg_lock_t depot_lock = HG_LOCK_INIT;
static uintptr_t *chunks[MAX_CHUNKS];
static unsigned nchunks;
static size_t chunk_used;                   /* words used in the last chunk */
static hg_stack_t *buckets;                 /* 1 << BUCKETS_LOG heads */
/* The stacks stored or found last, direct-mapped by hash: most captures repeat a recent
 * stack, and this small table stays in the cache where the buckets (4 MiB) do not. */
#define RECENT_LOG   12
static struct { uint32_t hash; hg_stack_t id; } recent[1 << RECENT_LOG];
static bool depot_broken;                   /* out of memory: capture returns 0 */

static uintptr_t *record_of(hg_stack_t id) {
  id--;
  return chunks[id >> CHUNK_SHIFT] + (id & (CHUNK_WORDS - 1));
}

static uint32_t hash_frames(void *const *frames, unsigned n) {
  uint64_t h = 0x9e3779b97f4a7c15u ^ n;
  for (unsigned i = 0; i < n; i++) {
    h ^= (uintptr_t)frames[i];
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 32;
  }
  return (uint32_t)h;
}

static hg_stack_t depot_put(void *const *frames, unsigned n, uintptr_t flags) {
  uint32_t hash = hash_frames(frames, n);
  hg_stack_t id = 0;
  hg_lock(&depot_lock);
  if (!buckets && !depot_broken) {
    buckets = hg_os_map(sizeof(hg_stack_t) << BUCKETS_LOG);
    if (buckets) hg_os_no_huge_pages(buckets, sizeof(hg_stack_t) << BUCKETS_LOG);
    else depot_broken = true;
  }
  if (depot_broken) goto out;
  uint32_t header = (uint32_t)hash;
  unsigned slot = hash & ((1u << RECENT_LOG) - 1);
  if (recent[slot].hash == header && (id = recent[slot].id) != 0) {
    const uintptr_t *r = record_of(id);
    if (r[0] == ((uintptr_t)hash << 32 | flags | n) && memcmp(r + 2, frames, n * sizeof *frames) == 0) goto out;
  }
  hg_stack_t *bucket = &buckets[hash >> (32 - BUCKETS_LOG)];
  for (id = *bucket; id; id = (hg_stack_t)record_of(id)[1]) {
    const uintptr_t *r = record_of(id);
    if (r[0] == ((uintptr_t)hash << 32 | flags | n) && memcmp(r + 2, frames, n * sizeof *frames) == 0) goto found;
  }
  size_t words = 2 + n;
  if (nchunks == 0 || chunk_used + words > CHUNK_WORDS) {
    uintptr_t *c = nchunks < MAX_CHUNKS ? hg_os_map(CHUNK_WORDS * sizeof(uintptr_t)) : NULL;
    if (!c) {
      depot_broken = true;
      id = 0;
      goto out;
    }
    chunks[nchunks++] = c;
    chunk_used = 0;
  }
  uintptr_t *r = chunks[nchunks - 1] + chunk_used;
  r[0] = (uintptr_t)hash << 32 | flags | n;
  r[1] = *bucket;
  memcpy(r + 2, frames, n * sizeof *frames);
  id = (hg_stack_t)(((size_t)(nchunks - 1) << CHUNK_SHIFT | chunk_used) + 1);
  chunk_used += words;
  *bucket = id;
found:
  recent[slot].hash = header;
  recent[slot].id = id;
out:
  hg_unlock(&depot_lock);
  return id;
}

/* The end of hg_stack_capture (stack.h): frames[0 .. n-1] came from asking the unwinder
 * for `asked` frames.  The frames are those of a full unwind, truncated: unw_backtrace
 * fills the buffer in order, so asking for fewer gives a prefix of the same stack. */
hg_stack_t hg_stack_keep(void **frames, int n, int asked) {
  void *more[HG_STACK_MAX_DEPTH + OWN_FRAMES_MAX + 1];
  if (n <= 0) return 0;
  size_t depth = hg_opt.stack_depth < HG_STACK_MAX_DEPTH ? hg_opt.stack_depth : HG_STACK_MAX_DEPTH;
  unsigned skip = 0;
  while (skip < (unsigned)n && (uintptr_t)frames[skip] >= own_text_lo && (uintptr_t)frames[skip] < own_text_hi)
    skip++;
  if (own_text_hi && n == asked && (size_t)(n - (int)skip) < depth && asked < (int)depth + OWN_FRAMES_MAX) {
    /* Cut short by more of the allocator's frames than asked for (realloc, say): ask
     * again from here (one frame deeper, dropped with the others), for as many as
     * before the request was sized. */
    hg_stack_quiet++;
    n = hg_stack_unwinder(more, (int)depth + OWN_FRAMES_MAX + 1);
    hg_stack_quiet--;
    if (n <= 0) return 0;
    frames = more;
    skip = 0;
    while (skip < (unsigned)n && (uintptr_t)frames[skip] >= own_text_lo && (uintptr_t)frames[skip] < own_text_hi)
      skip++;
  }
  /* Linked statically, the allocator's frames are still there: the printer drops them. */
  size_t limit = depth + (own_text_hi ? 0 : OWN_FRAMES_MAX);
  unsigned keep = (unsigned)n - skip;
  if (keep > limit) keep = (unsigned)limit;
  if (keep == 0) return 0;
  return depot_put(frames + skip, keep, 0);
}

hg_stack_t hg_stack_capture_context(void *ucontext) {
  if (!unwind_init_local2 || !unwind_step || !unwind_get_reg || hg_stack_quiet) return 0;
  size_t depth = hg_opt.stack_depth < HG_STACK_MAX_DEPTH ? hg_opt.stack_depth : HG_STACK_MAX_DEPTH;
  if (depth == 0) return 0;
  void *frames[HG_STACK_MAX_DEPTH];
  unw_cursor_t cursor;
  unsigned n = 0;
  hg_stack_quiet++;
  if (unwind_init_local2(&cursor, (unw_context_t *)ucontext, 1 /* UNW_INIT_SIGNAL_FRAME */) == 0) {
    do {
      unw_word_t ip = 0;
      if (unwind_get_reg(&cursor, UNW_REG_IP, &ip) != 0 || ip == 0) break;
      frames[n++] = (void *)ip;
    } while (n < depth && unwind_step(&cursor) > 0);
  }
  hg_stack_quiet--;
  return n ? depot_put(frames, n, EXACT_FIRST) : 0;
}

bool hg_stack_in_own_code(uintptr_t pc) { return pc >= own_text_lo && pc < own_text_hi; }

/* ---- symbolisation ---------------------------------------------------------------------- */

static struct {
  bool tried;
  Dwfl *dwfl;
  Dwfl *(*begin)(const Dwfl_Callbacks *);
  void (*report_begin)(Dwfl *);
  int (*report_end)(Dwfl *, int (*)(Dwfl_Module *, void *, const char *, Dwarf_Addr, void *), void *);
  int (*proc_report)(Dwfl *, pid_t);
  Dwfl_Module *(*addrmodule)(Dwfl *, Dwarf_Addr);
  const char *(*addrname)(Dwfl_Module *, GElf_Addr);
  Dwfl_Line *(*getsrc)(Dwfl_Module *, Dwarf_Addr);
  const char *(*lineinfo)(Dwfl_Line *, Dwarf_Addr *, int *, int *, Dwarf_Word *, Dwarf_Word *);
  const char *(*modinfo)(Dwfl_Module *, void ***, Dwarf_Addr *, Dwarf_Addr *, Dwarf_Addr *,
                         Dwarf_Addr *, const char **, const char **);
  Dwfl_Callbacks callbacks;
  char *debuginfo_path;
} dw;

static void refresh_modules(void) {
  dw.report_begin(dw.dwfl);
  dw.proc_report(dw.dwfl, getpid());
  dw.report_end(dw.dwfl, NULL, NULL);
}

static bool symboliser_ready(void) {
  if (dw.tried) return dw.dwfl != NULL;
  dw.tried = true;
  void *lib = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) return false;
#define SYM(field, name) if (!(*(void **)&dw.field = dlsym(lib, name))) return false;
  SYM(begin, "dwfl_begin")
  SYM(report_begin, "dwfl_report_begin")
  SYM(report_end, "dwfl_report_end")
  SYM(proc_report, "dwfl_linux_proc_report")
  SYM(addrmodule, "dwfl_addrmodule")
  SYM(addrname, "dwfl_module_addrname")
  SYM(getsrc, "dwfl_module_getsrc")
  SYM(lineinfo, "dwfl_lineinfo")
  SYM(modinfo, "dwfl_module_info")
  SYM(callbacks.find_elf, "dwfl_linux_proc_find_elf")
  SYM(callbacks.find_debuginfo, "dwfl_standard_find_debuginfo")
#undef SYM
  dw.callbacks.debuginfo_path = &dw.debuginfo_path;
  dw.dwfl = dw.begin(&dw.callbacks);
  if (dw.dwfl) refresh_modules();
  return dw.dwfl != NULL;
}

struct where {
  const char *func, *file, *module;
  int line;
};

static void symbolise(uintptr_t pc, struct where *w) {
  *w = (struct where){ 0 };
  if (hg_stack_no_symbols) return;
  if (symboliser_ready()) {
    Dwfl_Module *m = dw.addrmodule(dw.dwfl, pc);
    if (!m) {   /* loaded after the last look at the process's modules */
      refresh_modules();
      m = dw.addrmodule(dw.dwfl, pc);
    }
    if (m) {
      w->func = dw.addrname(m, pc);
      Dwfl_Line *l = dw.getsrc(m, pc);
      if (l) w->file = dw.lineinfo(l, NULL, &w->line, NULL, NULL, NULL);
      w->module = dw.modinfo(m, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
      return;
    }
  }
  Dl_info info;
  if (dladdr((void *)pc, &info)) {
    w->func = info.dli_sname;
    w->module = info.dli_fname;
  }
}

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

/* The allocator's entry points, which end the frames a statically linked allocator
 * leaves on top of a stack. */
static bool is_entry_point(const char *name) {
  static const char *const names[] = { "malloc", "free", "calloc", "realloc", "reallocarray",
                                       "memalign", "posix_memalign", "aligned_alloc", "valloc",
                                       "pvalloc", "malloc_usable_size", "__libc_malloc",
                                       "__libc_free", "__libc_calloc", "__libc_realloc",
                                       "__libc_memalign", "__libc_valloc", "__libc_pvalloc" };
  if (!name) return false;
  for (unsigned i = 0; i < sizeof names / sizeof *names; i++)
    if (strcmp(name, names[i]) == 0) return true;
  return false;
}

void hg_stack_print(hg_stack_t id, const char *api) {
  if (api) hg_diag_line("   at %s (heapguard)", api);
  if (!id) {
    hg_diag_line("   %s(no stack recorded)", api ? "by " : "");
    return;
  }
  const uintptr_t *r = record_of(id);
  unsigned n = (unsigned)(r[0] & DEPTH_MASK);
  uintptr_t exact = r[0] & EXACT_FIRST ? 1 : 0;   /* frame 0: no return address */
  const uintptr_t *frames = r + 2;
  hg_stack_quiet++;
  unsigned first = 0;
  if (!own_text_hi && !exact) {   /* linked statically: drop frames down to the entry point */
    for (unsigned i = 0; i < n && i < OWN_FRAMES_MAX; i++) {
      struct where w;
      symbolise(frames[i] - 1, &w);
      if (is_entry_point(w.func)) first = i + 1;
    }
  }
  size_t depth = hg_opt.stack_depth ? hg_opt.stack_depth : HG_STACK_MAX_DEPTH;
  for (unsigned i = first, shown = 0; i < n && shown < depth; i++, shown++) {
    /* A return address points after the call: look up the call itself. */
    struct where w;
    symbolise(frames[i] - (i == 0 ? 1 - exact : 1), &w);
    const char *lead = (i == first && !api) ? "at" : "by";
    if (w.file)
      hg_diag_line("   %s %p: %s (%s:%d)", lead, (void *)frames[i], w.func ? w.func : "???",
                   base_name(w.file), w.line);
    else if (w.module)
      hg_diag_line("   %s %p: %s (in %s)", lead, (void *)frames[i], w.func ? w.func : "???", w.module);
    else
      hg_diag_line("   %s %p: ???", lead, (void *)frames[i]);
    /* Below main is libc's start code. */
    if (w.func && (strcmp(w.func, "main") == 0 || strncmp(w.func, "__libc_start_", 13) == 0)) break;
  }
  hg_stack_quiet--;
}

void hg_stack_fork_prepare(void) { hg_lock(&depot_lock); }
void hg_stack_fork_parent(void) { hg_unlock(&depot_lock); }
void hg_stack_fork_child(void) { hg_lock_reset(&depot_lock); }

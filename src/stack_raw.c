/* stack_raw.c — stacks printed without the symboliser (see stack_raw.h): each frame's
 * module and offset from /proc/self/maps, or the bare address, for reports made where
 * libdw cannot run; names from the executable's own symbol table in a program started
 * without a dynamic loader.  No malloc, no lock. */
#define _GNU_SOURCE
#include "stack_raw.h"

#include <string.h>

#include "diag.h"
#include "elf_symtab.h"
#include "maps.h"
#include "options.h"
#include "sigstack.h"
#include "unload.h"
#include "xml.h"

/* The allocator's entry points, which end the frames a statically linked allocator
 * leaves on top of a stack; and the stubbed functions (wipe.h) they jump to, whose frame
 * is then the only one of the allocator's left ("by alloc_slow", "by
 * hg_heap_free_slow" were printed above the program's frames). */
bool hg_stack_is_entry_point(const char *name) {
  static const char *const names[] = { "malloc", "free", "calloc", "realloc", "reallocarray",
                                       "memalign", "posix_memalign", "aligned_alloc", "valloc",
                                       "pvalloc", "malloc_usable_size", "__libc_malloc",
                                       "__libc_free", "__libc_calloc", "__libc_realloc",
                                       "__libc_memalign", "__libc_valloc", "__libc_pvalloc",
                                       "alloc_slow", "hg_heap_alloc_slow", "hg_heap_free_slow",
                                       "new_miss", "new_array_miss", "new_miss_nothrow",
                                       "new_array_miss_nothrow", "new_aligned", "delete_slow" };
  if (!name) return false;
  for (unsigned i = 0; i < sizeof names / sizeof *names; i++)
    if (strcmp(name, names[i]) == 0) return true;
  return false;
}

/* Where frame f of an unloaded object was mapped, and its offset in the file. */
uintptr_t hg_stack_unloaded_address(uintptr_t f, uintptr_t *file_offset) {
  const struct hg_unloaded *o = hg_unloaded_get(hg_unload_index(f));
  uintptr_t off = hg_unload_offset(f);
  *file_offset = off;
  if (!o) return off;
  for (unsigned s = 0; s < o->nseg; s++)
    if (off - o->seg[s].vaddr < o->seg[s].memsz) *file_offset = off - o->seg[s].vaddr + o->seg[s].off;
  return o->bias + off;
}

/* ---- without symbols: the module and offset of each frame ---------------------------- *
 *
 * With hg_stack_no_symbols set (heapguard's own code was interrupted, or there is no
 * room for the symboliser) a frame was a bare address, of no use once the process is
 * gone (ASLR).  Its module and offset in the module's file (what addr2line -e wants
 * for most objects: their text is mapped at offset == address) are found in
 * /proc/self/maps, read with open and read into a stack buffer (maps.c): no malloc, no
 * lock.  Not dladdr or dl_iterate_phdr: both take the dynamic loader's lock, which the
 * interrupted code (a dlopen, libunwind's or the symboliser's own walk of the loaded
 * objects) or a thread stopped for the exit-time scan may hold, and the report would
 * hang.  One read of the file per stack; about 9 KiB of stack, so not on a small
 * alternate signal stack (hg_sigstack_small: there the addresses stay bare). */
#define PLACE_MODULES 8
#define PLACE_PATH 192

struct places {
  const uintptr_t *frames;
  unsigned n;
  unsigned nmodules;
  signed char module[HG_STACK_MAX_DEPTH];   /* -1: in no file's mapping */
  uintptr_t offset[HG_STACK_MAX_DEPTH];
  char path[PLACE_MODULES][PLACE_PATH];
};

static int place_module(struct places *p, const char *path) {
  size_t len = strlen(path);
  const char *tail = len < PLACE_PATH ? path : path + len - (PLACE_PATH - 4);   /* keep the name */
  for (unsigned k = 0; k < p->nmodules; k++)
    if (strncmp(p->path[k] + (tail == path ? 0 : 3), tail, PLACE_PATH) == 0) return (int)k;
  if (p->nmodules == PLACE_MODULES) return -1;
  char *to = p->path[p->nmodules];
  if (tail != path) memcpy(to, "...", 3), to += 3;
  memcpy(to, tail, strlen(tail) + 1);
  return (int)p->nmodules++;
}

static bool place_mapping(const struct hg_mapping *m, void *arg) {
  struct places *p = arg;
  if (!m->path[0]) return true;   /* anonymous memory: JIT code, say */
  for (unsigned i = 0; i < p->n; i++) {
    uintptr_t f = p->frames[i];
    if ((f & HG_FRAME_UNLOADED) || f < m->start || f >= m->end || p->module[i] >= 0) continue;
    p->module[i] = (signed char)place_module(p, m->path);
    p->offset[i] = f - m->start + m->offset;
  }
  return true;
}

/* Fills p for frames[0..n) (n at most HG_STACK_MAX_DEPTH); false if nothing can be. */
static bool place_frames(struct places *p, const uintptr_t *frames, unsigned n) {
  p->frames = frames;
  p->n = n < HG_STACK_MAX_DEPTH ? n : HG_STACK_MAX_DEPTH;
  p->nmodules = 0;
  memset(p->module, -1, sizeof p->module);
  return !hg_sigstack_small() && hg_maps_each(place_mapping, p);
}

/* "   at 0x...: ??? (in /usr/lib/x86_64-linux-gnu/libc.so.6+0x2a1b0)" (func for ???,
 * if known), or without the part in parentheses when the frame is in no file. */
static void print_placed(const struct places *p, unsigned i, const char *lead, const char *func) {
  uintptr_t f = p->frames[i];
  if (hg_xml_on)
    hg_xml_frame(f, i < p->n && p->module[i] >= 0 ? p->path[(int)p->module[i]] : NULL, func, NULL, NULL, 0);
  if (i < p->n && p->module[i] >= 0)
    hg_diag_line("   %s %p: %s (in %s+0x%lx)", lead, (void *)f, func ? func : "???",
                 p->path[(int)p->module[i]], (unsigned long)p->offset[i]);
  else
    hg_diag_line("   %s %p: ???", lead, (void *)f);
}

void hg_stack_print_raw(const uintptr_t *frames, unsigned n, unsigned depth) {
  /* The first frame is where the signal came, the others return addresses: printed
   * less 1, a byte of their call (print_frame in symbolise.c). */
  uintptr_t calls[HG_STACK_MAX_DEPTH];
  if (n > HG_STACK_MAX_DEPTH) n = HG_STACK_MAX_DEPTH;
  for (unsigned i = 0; i < n; i++) calls[i] = frames[i] - (i ? 1 : 0);
  frames = calls;
  struct places p;
  bool placed = place_frames(&p, frames, n);
  if (hg_xml_on) hg_xml_stack_begin(NULL);
  for (unsigned i = 0; i < n && i < depth; i++) {
    if (placed) {
      print_placed(&p, i, i ? "by" : "at", NULL);
      continue;
    }
    if (hg_xml_on) hg_xml_frame(frames[i], NULL, NULL, NULL, NULL, 0);
    hg_diag_line("   %s %p", i ? "by" : "at", (void *)frames[i]);
  }
  if (hg_xml_on) hg_xml_stack_end();
}

/* The name of frame f (not encoded), minus back, from the executable's symbol table. */
const char *hg_stack_exe_name(uintptr_t f, uintptr_t back) {
  uint64_t offset;
  return f & HG_FRAME_UNLOADED ? NULL : hg_elf_exe_symbol(f - back, &offset);
}

/* hg_stack_print without the symboliser; named: with names from the executable's
 * symbol table (a program started without a loader), whose frames in the allocator
 * are then dropped and whose start code is not printed, as hg_stack_print does.  Out
 * of line: its 9 KiB stay off the stack of the symbolised reports. */
HG_NOINLINE void hg_stack_print_unsymbolised(const uintptr_t *frames, unsigned n, const char *api, bool exact,
                                             bool named) {
  struct places p;
  uintptr_t copy[HG_STACK_MAX_DEPTH] = { 0 };   /* (one load each: a dlclose may be rewriting them) */
  if (n > HG_STACK_MAX_DEPTH) n = HG_STACK_MAX_DEPTH;
  /* A return address is printed less 1, a byte of its call (print_frame in
   * symbolise.c); an unloaded object's frame, encoded, once decoded. */
  uintptr_t back[HG_STACK_MAX_DEPTH];
  for (unsigned i = 0; i < n; i++) {
    copy[i] = __atomic_load_n(&frames[i], __ATOMIC_RELAXED);
    back[i] = i == 0 && exact ? 0 : 1;
    if (!(copy[i] & HG_FRAME_UNLOADED)) copy[i] -= back[i];
  }
  bool placed = place_frames(&p, copy, n);
  unsigned first = 0;
  if (named && !exact && hg_stack_linked_statically())
    for (unsigned i = 0; i < n && i < HG_STACK_OWN_FRAMES_MAX; i++)
      if (hg_stack_is_entry_point(hg_stack_exe_name(copy[i], 0))) first = i + 1;
  size_t depth = hg_opt.stack_depth ? hg_opt.stack_depth : HG_STACK_MAX_DEPTH;
  for (unsigned i = first, shown = 0; i < n && shown < depth; i++, shown++) {
    const char *lead = (i == first && !api) ? "at" : "by";
    const char *func = named ? hg_stack_exe_name(copy[i], 0) : NULL;
    if (copy[i] & HG_FRAME_UNLOADED) {
      const struct hg_unloaded *o = hg_unloaded_get(hg_unload_index(copy[i]));
      uintptr_t file_offset, a = hg_stack_unloaded_address(copy[i], &file_offset) - back[i];
      file_offset -= back[i];
      if (hg_xml_on) hg_xml_frame(a, o && o->path[0] ? o->path : NULL, NULL, NULL, NULL, 0);
      hg_diag_line("   %s %p: ??? (in %s+0x%lx, unloaded)", lead, (void *)a,
                   o && o->path[0] ? o->path : "an unloaded object", (unsigned long)file_offset);
    } else if (placed) {
      print_placed(&p, i, lead, func);
    } else {
      if (hg_xml_on) hg_xml_frame(copy[i], NULL, func, NULL, NULL, 0);
      hg_diag_line("   %s %p: %s", lead, (void *)copy[i], func ? func : "???");
    }
    if (func && (strcmp(func, "main") == 0 || strncmp(func, "__libc_start_", 13) == 0)) break;
  }
}

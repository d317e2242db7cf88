/* unload.c — the table of objects dlclose unloaded (see unload.h).
 *
 * Run by the library's dlclose in check and guard mode only (when stacks are taken), so
 * its code is cold text.  dlclose is no allocator path, but the program's other threads
 * may be in malloc meanwhile, and the real dlclose runs destructors that may call
 * malloc, free and dlclose: so nothing here allocates, and no lock of ours is held
 * across the real dlclose (a nested dlclose has its own probe on its own stack).
 * dl_iterate_phdr takes the loader's lock (recursive): its callbacks only copy. */
#define _GNU_SOURCE
#include "unload.h"

#include <dlfcn.h>
#include <link.h>
#include <string.h>
#include <sys/stat.h>

#include "os.h"

/* The table, mapped on the first unload.  An entry is claimed by a fetch-and-add, then
 * written, then marked ready (release): no lock, so a fork or a signal meanwhile leaves
 * nothing held.  Entries are never changed once ready. */
struct entry {
  struct hg_unloaded obj;
  _Atomic bool ready;
};
static struct entry *_Atomic table;
static _Atomic unsigned claimed;
_Atomic unsigned hg_unload_generation;

struct find { struct hg_unload_probe *p; const char *name; bool found; };

/* The object whose load bias and name are the link map's: its segments. */
static int find_object(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  struct find *f = arg;
  struct hg_unloaded *o = &f->p->obj;
  if (info->dlpi_addr != o->bias || !info->dlpi_name || strcmp(info->dlpi_name, f->name) != 0) return 0;
  f->found = true;
  f->p->phdr = info->dlpi_phdr;
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (unsigned i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD) continue;
    if (ph->p_vaddr < lo) lo = ph->p_vaddr;
    if (ph->p_vaddr + ph->p_memsz > hi) hi = ph->p_vaddr + ph->p_memsz;
    if (o->nseg < HG_UNLOAD_SEGS) {
      o->seg[o->nseg].vaddr = ph->p_vaddr;
      o->seg[o->nseg].memsz = ph->p_memsz;
      o->seg[o->nseg].off = ph->p_offset;
      o->nseg++;
    }
  }
  if (lo < hi) {
    o->lo = o->bias + lo;
    o->hi = o->bias + hi;
  }
  return 1;
}

bool hg_unload_probe(void *handle, struct hg_unload_probe *p) {
  struct link_map *lm = NULL;
  memset(p, 0, sizeof *p);
  if (!handle || dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 || !lm || !lm->l_name || !lm->l_name[0])
    return false;   /* (the main program has an empty name, and is never unloaded) */
  p->obj.bias = lm->l_addr;
  struct find f = { p, lm->l_name, false };
  dl_iterate_phdr(find_object, &f);
  /* The encoded offset is the address minus the bias: an object mapped at its own
   * addresses (bias 0, ET_EXEC) or spanning 64 GiB is not rewritten. */
  if (!f.found || p->obj.lo >= p->obj.hi || p->obj.bias == 0 ||
      p->obj.hi - p->obj.bias > ((uintptr_t)1 << HG_UNLOAD_OFFSET_BITS))
    return false;
  size_t len = strlen(lm->l_name);
  if (len < sizeof p->obj.path) memcpy(p->obj.path, lm->l_name, len + 1);
  struct stat st;
  if (p->obj.path[0] && stat(p->obj.path, &st) == 0) {
    p->obj.have_identity = true;
    p->obj.dev = st.st_dev;
    p->obj.ino = st.st_ino;
    p->obj.size = (uint64_t)st.st_size;
    p->obj.mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec;
  }
  return true;
}

/* Is the probed object still loaded (the same program headers at the same bias)? */
static int still_there(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  const struct hg_unload_probe *p = arg;
  return info->dlpi_addr == p->obj.bias && (const void *)info->dlpi_phdr == p->phdr;
}

int hg_unload_record(const struct hg_unload_probe *p) {
  if (dl_iterate_phdr(still_there, (void *)p)) return -1;
  struct entry *t = atomic_load_explicit(&table, memory_order_acquire);
  if (!t) {
    struct entry *m = hg_os_map(hg_align_up(sizeof(struct entry) * HG_UNLOAD_MAX, HG_PAGE));
    if (!m) return -1;
    struct entry *expected = NULL;
    if (atomic_compare_exchange_strong_explicit(&table, &expected, m, memory_order_acq_rel,
                                                memory_order_acquire))
      t = m;
    else {   /* another thread's dlclose mapped it first */
      hg_os_unmap(m, hg_align_up(sizeof(struct entry) * HG_UNLOAD_MAX, HG_PAGE));
      t = expected;
    }
  }
  unsigned k = atomic_fetch_add_explicit(&claimed, 1, memory_order_relaxed);
  if (k >= HG_UNLOAD_MAX) return -1;
  t[k].obj = p->obj;
  atomic_store_explicit(&t[k].ready, true, memory_order_release);
  return (int)k;
}

unsigned hg_unloaded_count(void) {
  unsigned n = atomic_load_explicit(&claimed, memory_order_relaxed);
  return n < HG_UNLOAD_MAX ? n : HG_UNLOAD_MAX;
}

const struct hg_unloaded *hg_unloaded_get(unsigned k) {
  struct entry *t = atomic_load_explicit(&table, memory_order_acquire);
  if (!t || k >= HG_UNLOAD_MAX || !atomic_load_explicit(&t[k].ready, memory_order_acquire)) return NULL;
  return &t[k].obj;
}

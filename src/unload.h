/* unload.h — shared objects that dlclose unloaded, so that stacks captured in them are
 * still printed as theirs (check mode; see stack.c's dlclose and docs/architecture.md,
 * "Check mode").
 *
 * A return address means nothing once its object is unmapped: a later dlopen may map
 * another object at the same place, and a report printed after that would name the
 * new object's code.  So, when dlclose really unloads an object, the depot's frames
 * that lie in it are rewritten into an encoded form that names the object by its
 * index in a table of unloaded objects (its path, where it was, its segments), and
 * the printer symbolises them from the file on disk, marked unloaded.  An encoded
 * frame is HG_FRAME_UNLOADED | index << HG_UNLOAD_OFFSET_BITS | offset, the offset
 * being the address minus the object's load bias (a user-space address never has bit
 * 63 set, so no captured frame looks encoded). */
#ifndef HG_UNLOAD_H
#define HG_UNLOAD_H

#include "internal.h"

#define HG_FRAME_UNLOADED     ((uintptr_t)1 << 63)
#define HG_UNLOAD_OFFSET_BITS 36   /* an object spans less than 64 GiB */
#define HG_UNLOAD_MAX         1024 /* objects remembered; later ones are not rewritten */
#define HG_UNLOAD_SEGS        8    /* PT_LOAD segments remembered (for file offsets) */
#define HG_UNLOAD_PATH        1024

struct hg_unloaded {
  uintptr_t bias;                 /* the load bias (l_addr) */
  uintptr_t lo, hi;               /* its mapped span, bias + [first vaddr, last end) */
  unsigned nseg;
  struct { uintptr_t vaddr, memsz, off; } seg[HG_UNLOAD_SEGS];   /* bias-relative */
  /* The file's identity when it was unloaded: the printer reads it only if unchanged. */
  uint64_t dev, ino, size, mtime_ns;
  bool have_identity;
  char path[HG_UNLOAD_PATH];      /* as the loader named it (l_name); "" if too long */
};

/* What dlclose learns of its handle's object before calling the real dlclose, kept on
 * its stack (a nested dlclose, from a destructor the real one runs, has its own). */
struct hg_unload_probe {
  struct hg_unloaded obj;
  const void *phdr;               /* its program headers, to know it again after */
};

/* Before the real dlclose: the handle's object.  False if it cannot be known (an
 * invalid handle, the main program, a vDSO). */
bool hg_unload_probe(void *handle, struct hg_unload_probe *p);
/* After it: if the object is gone, its index in the table (now published), else -1
 * (still loaded: other references, RTLD_NODELETE; or the table is full). */
int hg_unload_record(const struct hg_unload_probe *p);

/* Raised by every dlclose while stacks are taken, unloading or not: the symboliser's
 * view of the process's objects is stale when it has changed. */
extern _Atomic unsigned hg_unload_generation;

/* The table (report time).  Entries are written whole before the count is raised. */
unsigned hg_unloaded_count(void);
const struct hg_unloaded *hg_unloaded_get(unsigned k);

static inline uintptr_t hg_unload_encode(unsigned k, uintptr_t offset) {
  return HG_FRAME_UNLOADED | (uintptr_t)k << HG_UNLOAD_OFFSET_BITS | offset;
}
static inline unsigned hg_unload_index(uintptr_t frame) {
  return (unsigned)((frame & ~HG_FRAME_UNLOADED) >> HG_UNLOAD_OFFSET_BITS);
}
static inline uintptr_t hg_unload_offset(uintptr_t frame) {
  return frame & (((uintptr_t)1 << HG_UNLOAD_OFFSET_BITS) - 1);
}

#endif

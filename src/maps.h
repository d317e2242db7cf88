/* maps.h — the process's mappings, read from /proc/self/maps without allocating.
 *
 * Used by check mode: the leak scan's roots are the writable mappings, and a report
 * about a pointer the allocator does not own says where that pointer lies. */
#ifndef HG_MAPS_H
#define HG_MAPS_H

#include "internal.h"

struct hg_mapping {
  uintptr_t start, end;
  bool readable, writable, executable, shared;
  uintptr_t offset;   /* of start in the mapped file (0 for anonymous memory) */
  uint64_t dev, inode;   /* the mapped file's (0, 0 for anonymous memory) */
  const char *path;   /* "" for anonymous memory; "[stack]", "[heap]", a file... */
};

/* Call fn for every mapping, in address order, until it returns false.  Returns false
 * if /proc/self/maps could not be read, or not to the end (a read error: fn may have
 * seen some of the mappings, not all): a caller that needs them all (the leak scan's
 * roots, the unreadable ranges) acts as if it had none. */
bool hg_maps_each(bool (*fn)(const struct hg_mapping *m, void *arg), void *arg);

/* The mapping holding address a, copied to *m with its path in path[size]: 1; 0 if the
 * address is not mapped; -1 if the maps could not be read (nothing is known). */
int hg_maps_find(uintptr_t a, struct hg_mapping *m, char *path, size_t size);

#endif

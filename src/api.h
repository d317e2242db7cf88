/* api.h — what api.c's entry points offer the library's other entry points (cxx.c:
 * C++'s operator new takes the same paths as malloc and memalign). */
#ifndef HG_API_H
#define HG_API_H

#include "check.h"

/* malloc itself, called directly (not through the GOT: the same function whoever
 * interposes it). */
void *hg_malloc(size_t n);
/* memalign's path for an alignment that is a power of two, the block recorded as api's
 * in check mode; NULL with errno ENOMEM. */
void *hg_alloc_aligned(size_t align, size_t n, enum hg_api api);

#endif

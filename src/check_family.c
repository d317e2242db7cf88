/* check_family.c — the allocation functions as check mode names and matches them: each
 * function's name in reports, its family (which deallocation fits which allocation,
 * check_internal.h), and the record of a block that operator new's fallback got from
 * the C++ runtime (cxx.c).
 *
 * The family of a block needs no room of its own in its record: the record keeps the
 * function that allocated it (alloc_api), and the alignment an aligned new asked for
 * lives in free_api until the block is freed (blocks.h). */
#define _GNU_SOURCE
#include "check_internal.h"

#include <string.h>

#include "blocks.h"
#include "stats.h"

const char *const hg_check_api_names[HG_API_COUNT] = {
  [HG_API_NONE] = "?", [HG_API_MALLOC] = "malloc", [HG_API_FREE] = "free",
  [HG_API_CALLOC] = "calloc", [HG_API_REALLOC] = "realloc", [HG_API_MEMALIGN] = "memalign",
  [HG_API_POSIX_MEMALIGN] = "posix_memalign", [HG_API_ALIGNED_ALLOC] = "aligned_alloc",
  [HG_API_VALLOC] = "valloc", [HG_API_PVALLOC] = "pvalloc",
  [HG_API_USABLE_SIZE] = "malloc_usable_size",
  [HG_API_NEW] = "operator new(size_t)",
  [HG_API_NEW_ARRAY] = "operator new[](size_t)",
  [HG_API_NEW_ALIGNED] = "operator new(size_t, align_val_t)",
  [HG_API_NEW_ARRAY_ALIGNED] = "operator new[](size_t, align_val_t)",
  [HG_API_DELETE] = "operator delete(void*)",
  [HG_API_DELETE_ARRAY] = "operator delete[](void*)",
  [HG_API_DELETE_SIZED] = "operator delete(void*, size_t)",
  [HG_API_DELETE_ARRAY_SIZED] = "operator delete[](void*, size_t)",
  [HG_API_DELETE_ALIGNED] = "operator delete(void*, align_val_t)",
  [HG_API_DELETE_ARRAY_ALIGNED] = "operator delete[](void*, align_val_t)",
  [HG_API_DELETE_SIZED_ALIGNED] = "operator delete(void*, size_t, align_val_t)",
  [HG_API_DELETE_ARRAY_SIZED_ALIGNED] = "operator delete[](void*, size_t, align_val_t)",
};

#define M HG_FAMILY_MALLOC
#define N HG_FAMILY_NEW
#define A HG_FAMILY_NEW_ARRAY
#define AL HG_FAMILY_ALIGNED
/* 0: not an allocation or deallocation (malloc_usable_size). */
const uint8_t hg_check_api_family[HG_API_COUNT] = {
  [HG_API_MALLOC] = M, [HG_API_FREE] = M, [HG_API_CALLOC] = M, [HG_API_REALLOC] = M,
  [HG_API_MEMALIGN] = M, [HG_API_POSIX_MEMALIGN] = M, [HG_API_ALIGNED_ALLOC] = M,
  [HG_API_VALLOC] = M, [HG_API_PVALLOC] = M,
  [HG_API_NEW] = N, [HG_API_NEW_ARRAY] = A, [HG_API_NEW_ALIGNED] = N | AL,
  [HG_API_NEW_ARRAY_ALIGNED] = A | AL,
  [HG_API_DELETE] = N, [HG_API_DELETE_ARRAY] = A, [HG_API_DELETE_SIZED] = N,
  [HG_API_DELETE_ARRAY_SIZED] = A, [HG_API_DELETE_ALIGNED] = N | AL,
  [HG_API_DELETE_ARRAY_ALIGNED] = A | AL, [HG_API_DELETE_SIZED_ALIGNED] = N | AL,
  [HG_API_DELETE_ARRAY_SIZED_ALIGNED] = A | AL,
};
#undef M
#undef N
#undef A
#undef AL

/* The runtime's operator new called malloc (or aligned_alloc, for an aligned form,
 * with the size rounded up to the alignment): its record says so.  The bytes past n
 * join the right redzone (nothing of the program's is there yet), so a sized delete
 * that says n fits, and a write past n is an overflow, as for any new'd block. */
void hg_check_retag(void *p, enum hg_api api, size_t n, size_t align) {
  uintptr_t slot;
  hg_check_lock();
  struct hg_block *b = hg_blocks_lookup((uintptr_t)p, &slot);
  if (b && hg_block_user(b) == (uintptr_t)p && b->state == HG_BLOCK_LIVE) {
    b->alloc_api = (uint8_t)api;
    b->free_api = (uint8_t)(align ? __builtin_ctzl(align) : 0);
    if (n < b->size) {
      memset((char *)p + n, HG_CHECK_REDZONE_BYTE, b->size - n);
      if (b->flags & HG_BLOCK_GUARDED) hg_stats_guarded(0, (ptrdiff_t)n - (ptrdiff_t)b->size, 0);
      b->size = n;
    }
  }
  hg_check_unlock();
}

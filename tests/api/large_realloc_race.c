/* tests/api/large_realloc_race.c — threads growing large blocks with realloc (mremap
 * moves them) while other threads map new large blocks.
 *
 * A realloc that moves a large block frees its old range in the mremap itself; another
 * thread's mmap can get that range for a new large block and register it in the page
 * map before the moving thread has taken the lock to forget the old address.  The mover
 * must not then clear the page map entry, which is now the new block's: that block would
 * become "not allocated by heapguard" (found in perl ithreads under `heapguard trace`:
 * "invalid realloc of 0x7fc6d29db000 (not allocated by heapguard)", 1 run in 6).
 *
 * Every block is filled and verified after each step; free and realloc of a block that
 * heapguard forgot abort the program.  The mmap threshold is fixed, so that every
 * request above it is a mapping of its own (a dynamic threshold rises at the first free
 * and sends the same sizes to the heap).
 */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

#define THREADS 4
#define ROUNDS  4000
#define SMALL   (136 * 1024)   /* above the 128 KiB threshold: a mapping */
#define BIG     (300 * 1024)   /* a realloc to this size moves it, most of the time */

static void *worker(void *arg) {
  unsigned id = (unsigned)(uintptr_t)arg;
  for (unsigned r = 0; r < ROUNDS; r++) {
    unsigned seed = id * 100000 + r;
    char *a = malloc(SMALL);
    if (!CHECK_NONNULL(a)) break;
    hg_fill(a, 64, seed);
    char *b = realloc(a, BIG);          /* moves: frees a's range inside the mremap */
    if (!CHECK_NONNULL(b)) { free(a); break; }
    char *c = malloc(SMALL);            /* may get another thread's freed range */
    if (!CHECK_NONNULL(c)) { free(b); break; }
    hg_fill(c, 64, seed + 1);
    CHECK_EQU(hg_verify(b, 64, seed), (size_t)-1);
    CHECK(malloc_usable_size(c) >= SMALL);
    char *d = realloc(c, BIG);           /* aborts if c's page map entry was lost */
    if (!CHECK_NONNULL(d)) { free(c); free(b); break; }
    CHECK_EQU(hg_verify(d, 64, seed + 1), (size_t)-1);
    free(b);
    free(d);
  }
  return NULL;
}

int main(void) {
  CHECK(mallopt(M_MMAP_THRESHOLD, 128 * 1024) == 1);
  pthread_t t[THREADS];
  for (unsigned i = 0; i < THREADS; i++)
    CHECK_EQ(pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i), 0);
  for (unsigned i = 0; i < THREADS; i++) CHECK_EQ(pthread_join(t[i], NULL), 0);
  return check_finish();
}

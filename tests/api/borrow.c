/* Borrowing (heap.c, borrow): a malloc of a class of 1 KiB or more whose own spans are
 * all full takes a slot of a partial span of a larger class, up to eight classes up,
 * even one nearly empty, before a new span is carved; a block realloc moves does not
 * land in such a span when it is more than two classes up, but in a span of its own
 * class (a block grown step by step would grow from the larger slot next).
 * heapguard-only: glibc's malloc has no classes.
 *
 * In a new thread (a new heap: no span of these classes yet): fill spans of the
 * lender's class (3 KiB), free all but the first block, so the first block's span is
 * partial and less than half used; malloc(2300), whose class has no span, must get a
 * slot of that span (same usable size as the first block, and within a span's length
 * of it).  Then realloc a 1000-byte block to 2300 bytes (by more than a quarter: a
 * plain move): the new block's usable size must be its own class's, below 3 KiB.
 */
// heapguard-only
#include "check.h"

#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#define LENDER   3072
#define BORROWER 2300
#define NLEND    40   /* several 32 KiB spans of 3 KiB blocks */

static void *run(void *arg) {
  (void)arg;
  void *lend[NLEND];
  for (int i = 0; i < NLEND; i++) {
    lend[i] = malloc(LENDER);
    CHECK(lend[i] != NULL);
  }
  size_t lend_usable = malloc_usable_size(lend[0]);
  for (int i = 1; i < NLEND; i++) free(lend[i]);

  void *p = malloc(BORROWER);
  CHECK(p != NULL);
  size_t u = malloc_usable_size(p);
  CHECKF(u == lend_usable, "malloc(%d) in a new heap with a partial %zu-byte span: usable %zu, "
         "not a borrowed slot", BORROWER, lend_usable, u);
  uintptr_t d = (uintptr_t)p > (uintptr_t)lend[0] ? (uintptr_t)p - (uintptr_t)lend[0]
                                                  : (uintptr_t)lend[0] - (uintptr_t)p;
  CHECKF(d < 32 * 1024, "the borrowed slot %p is not in the span of %p", p, lend[0]);

  void *q = malloc(1000);
  CHECK(q != NULL);
  void *r = realloc(q, BORROWER);
  CHECK(r != NULL);
  size_t ru = malloc_usable_size(r);
  CHECKF(ru >= BORROWER && ru < lend_usable,
         "realloc(1000-byte block, %d): usable %zu, a slot borrowed from %zu-byte blocks",
         BORROWER, ru, lend_usable);
  free(r);
  free(p);
  free(lend[0]);
  return NULL;
}

int main(void) {
  pthread_t t;
  CHECK(pthread_create(&t, NULL, run, NULL) == 0);
  CHECK(pthread_join(t, NULL) == 0);
  return check_finish();
}

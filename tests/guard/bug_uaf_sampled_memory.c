// expect-error: heap-use-after-free
// expect-text: ERROR: heap-use-after-free: READ of a 100-byte block after it was freed
// expect-text: is 4 bytes inside a block of size 100 free'd
// expect-text: main \(bug_uaf_sampled_memory\.c:47\)
// expect-text: bug_uaf_sampled_memory\.c:35\)
// expect-text: Block was alloc'd at
// expect-text: bug_uaf_sampled_memory\.c:31\)
// sampled: 99
/* A freed guarded block keeps no more memory than its quarantine's bound: sampled guard
   mode holds at most HEAPGUARD_SAMPLE_QUARANTINE (64) freed blocks, each on a resident
   page, and its pool grows only to those, the live ones and a run or two of slots;
   guard mode gives a freed block's pages back at once.  A block freed 50 frees ago is
   still held, and reading it faults at once.  (The sampled quarantine held 256 blocks,
   1 MiB, before the option: then this program exits with status 3.) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ROUNDS 2000

static uintptr_t pages[ROUNDS];

int main(void) {
  long page = sysconf(_SC_PAGESIZE);
  size_t npages = 0;
  char *held = NULL;
  for (int i = 0; i < ROUNDS; i++) {
    char *p = malloc(100);
    if (!p) return 2;
    memset(p, i, 100);
    if (i == ROUNDS - 50) held = p;
    free(p);
    uintptr_t pg = (uintptr_t)p & ~(uintptr_t)(page - 1);
    size_t k = 0;
    while (k < npages && pages[k] != pg) k++;
    if (k == npages) pages[npages++] = pg;
  }
  size_t resident = 0;
  for (size_t k = 0; k < npages; k++) {
    unsigned char v = 0;
    if (mincore((void *)pages[k], (size_t)page, &v) == 0 && (v & 1)) resident++;
  }
  if (resident > 128) return 3;   /* quarantine (and pool) bigger than the bound */
  volatile int c = held[4];                  /* BUG */
  printf("never printed %d\n", c);
  return 0;
}

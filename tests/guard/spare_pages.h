/* spare_pages.h — shared by the bug_*_spare_pages tests: blocks of several page counts
   go through a small quarantine many times, so most of them are made in slots kept as
   spares (guard.c: a slot of up to 16 data pages leaving the quarantine is kept for the
   next block of as many pages).  Each must come back with none of its last block's
   bytes: a calloc'd one zero, a malloc'd one without the 0x5a its predecessor was
   filled with (guard mode's fresh pages read as zero, apart from the redzone pattern
   next to the block).  Returns 0, or the exit status of the first failure. */
#include <stdlib.h>
#include <string.h>

#define SPARE_ROUNDS 100

static const size_t spare_sizes[] = { 5000, 10000, 20000, 65536 - 8, 30000 };

static int spare_exercise(void) {
  for (int round = 0; round < SPARE_ROUNDS; round++) {
    for (size_t k = 0; k < sizeof spare_sizes / sizeof *spare_sizes; k++) {
      size_t n = spare_sizes[k];
      unsigned char *p = (round & 1) ? calloc(1, n) : malloc(n);
      if (!p) return 2;
      for (size_t j = 0; j < n; j++) {
        if ((round & 1) && p[j] != 0) return 3;   /* calloc's block not zero */
        if (p[j] == 0x5a) return 4;               /* an old block's bytes showed */
      }
      memset(p, 0x5a, n);
      free(p);
    }
  }
  return 0;
}

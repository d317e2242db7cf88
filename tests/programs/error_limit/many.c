/* many.c — N different errors, for tests/programs/error_limit.sh.
 *
 * Each error is a one-byte overflow of a 16-byte block, found when the block is freed:
 * the same free, but each block allocated at a stack of its own.  make() recurses
 * LEVELS deep (12 frames with the one calling malloc) and reaches malloc through one of two call sites at every level, chosen
 * by a bit of the error's number, so the allocation stacks' top frames (12 by
 * default) differ for up to 2^11 numbers: each error is a context of its own.
 *
 *   many N PASSES [leaks]
 *     N different overflows, the whole set PASSES times (each pass repeats the
 *     contexts of the first); with "leaks", then N blocks lost from N stacks. */
#include <stdio.h>
#include <stdlib.h>

#define LEVELS 11

static volatile int side;

static __attribute__((noinline)) char *make(int level, unsigned bits) {
  char *p;
  if (level == 0) return malloc(16);
  if (bits & 1) {
    side = 1;
    p = make(level - 1, bits >> 1);
  } else {
    side = 2;
    p = make(level - 1, bits >> 1);
  }
  side = 0;   /* not a tail call: this frame stays on the stack */
  return p;
}

static __attribute__((noinline)) void overflow_and_free(char *p) {
  p[16] = 'x';
  free(p);
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  unsigned n = (unsigned)atoi(argv[1]), passes = (unsigned)atoi(argv[2]);
  for (unsigned pass = 0; pass < passes; pass++)
    for (unsigned i = 0; i < n; i++) overflow_and_free(make(LEVELS, i));
  if (argc > 3)
    for (unsigned i = 0; i < n; i++) make(LEVELS, i)[0] = 1;   /* lost at once */
  puts("done");
  return 0;
}

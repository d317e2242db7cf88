// expect-error: heap-use-after-free
// expect-text: ERROR: heap-use-after-free: READ of a 100-byte block after it was freed
// expect-text: is 4 bytes inside a block of size 100 free'd
// expect-text: main \(bug_uaf_many_stacks\.c:56\)
// expect-text: main \(bug_uaf_many_stacks\.c:55\)
// expect-text: Block was alloc'd at
// expect-text: leaf \(bug_uaf_many_stacks\.c:32\)
// expect-text: main \(bug_uaf_many_stacks\.c:54\)
// sampled: 99
/* Many distinct allocation stacks (3^8 = 6561 paths through fa, fb and fc), then a
   use after free of one more block: its report names its own stacks.  Sampled guard
   mode keeps fewer stack buckets than check mode (16 Ki heads, not 1 Mi: depot.c), so
   thousands of stacks share buckets there, and a stack must still be told from the
   others in its chain. */
#include <stdio.h>
#include <stdlib.h>

#define LEVELS 8
#define PATHS 6561   /* 3^LEVELS */

static void *fa(int level, int code);
static void *fb(int level, int code);
static void *fc(int level, int code);
static void *leaf(void);
/* The next frame of path `code` at `level`: one of three functions, or the leaf. */
#define NEXT(level, code) \
  ((level) == LEVELS ? leaf() : (code) % 3 == 0 ? fa(level, code) : (code) % 3 == 1 ? fb(level, code) : fc(level, code))

/* (The empty asm after each call keeps it from being a tail call: every level keeps its
 * frame, whatever the optimisation.  Ten frames: main, eight levels, the leaf.) */
static __attribute__((noinline)) void *leaf(void) {
  void *p = malloc(100);
  __asm__ volatile("" : : "r"(p) : "memory");
  return p;
}
static __attribute__((noinline)) void *fa(int level, int code) {
  void *p = NEXT(level + 1, code / 3);
  __asm__ volatile("" : : "r"(p) : "memory");
  return p;
}
static __attribute__((noinline)) void *fb(int level, int code) {
  void *p = NEXT(level + 1, code / 3);
  __asm__ volatile("" : : "r"(p) : "memory");
  return p;
}
static __attribute__((noinline)) void *fc(int level, int code) {
  void *p = NEXT(level + 1, code / 3);
  __asm__ volatile("" : : "r"(p) : "memory");
  return p;
}

int main(void) {
  for (int i = 0; i < PATHS; i++) free(NEXT(0, i));
  char *p = NEXT(0, 4000);
  free(p);
  volatile int c = p[4];                   /* BUG */
  printf("never printed %d\n", c);
  return 0;
}

/* cg_pairs.c — the harness of the callgrind measurement (bench/callgrind.py).
 *
 *   cg_pairs MODE N [null]
 *
 * MODE same32: N times { p = malloc(32); p[0] = i; free(p); } in one thread.
 * MODE random: a window of 32 live blocks; N times { free a pseudo-random slot of the
 *              window; malloc a size drawn log-uniformly from 8..1024 B into it; write its
 *              first byte }.  Sizes and slots come from tables computed before the loop
 *              (4096 entries, cycled), so the loop itself costs a handful of instructions.
 * With "null", the allocator calls go to two trivial functions instead (a static buffer,
 * an empty free): this measures the loop's own cost per iteration.
 *
 * callgrind.py runs it with N and 2N iterations and divides the difference of the two
 * instruction counts by N: start-up, the first allocations, the tables and the exit all
 * cancel, leaving the cost of one iteration in steady state.  The calls go through function
 * pointers in both modes so that the loop is the same code with and without "null".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLE 4096
#define WINDOW 32

static unsigned char null_buf[1024];
__attribute__((noinline)) static void *null_alloc(size_t n) {
  (void)n;
  __asm__ volatile("");
  return null_buf;
}
__attribute__((noinline)) static void null_free(void *p) { __asm__ volatile("" : : "r"(p)); }

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s same32|random N [null]\n", argv[0]);
    return 2;
  }
  long n = atol(argv[2]);
  int null = argc > 3 && strcmp(argv[3], "null") == 0;
  void *(*volatile alloc_v)(size_t) = null ? null_alloc : malloc;
  void (*volatile free_v)(void *) = null ? null_free : free;
  void *(*alloc_fn)(size_t) = alloc_v;
  void (*free_fn)(void *) = free_v;

  if (strcmp(argv[1], "same32") == 0) {
    for (long i = 0; i < n; i++) {
      unsigned char *p = alloc_fn(32);
      p[0] = (unsigned char)i;
      free_fn(p);
    }
  } else if (strcmp(argv[1], "random") == 0) {
    static unsigned short sizes[TABLE];
    static unsigned char slots[TABLE];
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < TABLE; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      int e = 3 + (int)(x % 7); /* 2^e + [0, 2^e): 8 .. 1023, log-uniform */
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      sizes[i] = (unsigned short)((1u << e) + (unsigned)(x % (1u << e)));
      slots[i] = (unsigned char)((x >> 20) % WINDOW);
    }
    unsigned char *win[WINDOW] = { 0 };
    for (long i = 0; i < n; i++) {
      unsigned j = (unsigned)i & (TABLE - 1), k = slots[j];
      free_fn(win[k]);
      unsigned char *p = alloc_fn(sizes[j]);
      p[0] = (unsigned char)i;
      win[k] = p;
    }
    for (int k = 0; k < WINDOW; k++) free_fn(win[k]);
  } else {
    fprintf(stderr, "unknown mode %s\n", argv[1]);
    return 2;
  }
  return 0;
}

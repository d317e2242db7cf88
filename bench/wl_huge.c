/* wl_huge.c — workload 7b: very large blocks (5-25 MB) allocated and freed in a loop.
 *
 * Models a program that repeatedly builds a big temporary buffer (a frame, a file read
 * whole, a sort buffer), fills it and drops it: each step allocates one block of 5..25 MB
 * (uniform), fills all of it with memset, reads it back and frees it.  One block is live at
 * a time.  An allocator that keeps the freed pages mapped reuses them at memory speed;
 * one that unmaps (or madvises away) each block pays mmap, munmap and a page fault plus
 * kernel zeroing for every 4 KiB page on every step.  (glibc raises its mmap threshold
 * after the first free, so later blocks come from the heap and are reused.)
 *
 *   --ops N      blocks allocated, filled and freed (default 900, smoke 10)
 */
#include "wl_common.h"

int main(int argc, char **argv) {
  wl_args a;
  wl_parse(argc, argv, &a, (wl_args){ 900, 0, 1, 8, 0 }, (wl_args){ 10, 0, 1, 8, 1 },
           "5-25 MB blocks allocated, filled and freed in a loop");
  wl_rng r;
  wl_rng_init(&r, a.seed);
  uint64_t check = 0;
  double t0 = wl_now();
  for (long i = 0; i < a.ops; i++) {
    size_t n = 5000000 + (size_t)wl_below(&r, 20000001);
    unsigned char *p = wl_xmalloc(n);
    memset(p, (int)(i & 255), n);
    for (size_t off = 0; off < n; off += 65536) check += p[off];
    check += p[n - 1];
    free(p);
  }
  printf("RESULT wl=huge check=%llx ops=%ld secs=%.3f rss_end_kb=%ld\n", (unsigned long long)check,
         a.ops, wl_now() - t0, wl_rss_kb());
  return 0;
}

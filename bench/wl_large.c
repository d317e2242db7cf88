/* wl_large.c — workload 7a: large blocks around and above the mmap threshold.
 *
 * Models programs that handle big buffers (images, network and file buffers, matrices):
 * a window of 8 live blocks with sizes drawn log-uniformly from 64 KiB to 8 MiB, so about
 * a third fall below glibc's initial 128 KiB mmap threshold and the rest above it.  Each
 * step frees a random block and allocates a replacement, and writes one byte in every
 * 4 KiB page of it (as a program filling the buffer would fault every page in).  This
 * measures the cost of mmap/munmap, of page faults on fresh pages, and whether freed big
 * blocks are kept for reuse (faster) or returned at once (leaner).
 *
 *   --ops N      malloc+free pairs        (default 3000, smoke 100)
 *   --size N     live blocks in the window (default 8)
 */
#include "wl_common.h"

int main(int argc, char **argv) {
  wl_args a;
  wl_parse(argc, argv, &a, (wl_args){ 3000, 8, 1, 7, 0 }, (wl_args){ 100, 8, 1, 7, 1 },
           "large blocks, 64 KiB .. 8 MiB, log-distributed, every page touched");
  long w = a.size < 1 ? 1 : a.size;
  wl_rng r;
  wl_rng_init(&r, a.seed);
  unsigned char **win = calloc((size_t)w, sizeof *win);
  size_t *len = calloc((size_t)w, sizeof *len);
  uint64_t check = 0;
  double t0 = wl_now();
  for (long i = 0; i < a.ops; i++) {
    size_t k = (size_t)wl_below(&r, (uint64_t)w);
    if (win[k]) {
      check += win[k][0] + win[k][len[k] - 1];
      free(win[k]);
    }
    size_t n = wl_logsize(&r, 64 * 1024, 8 * 1024 * 1024);
    unsigned char *p = wl_xmalloc(n);
    for (size_t off = 0; off < n; off += 4096) p[off] = (unsigned char)i;
    p[n - 1] = (unsigned char)n;
    win[k] = p;
    len[k] = n;
  }
  long rss = wl_rss_kb();
  for (long k = 0; k < w; k++) free(win[k]);
  free(win);
  free(len);
  printf("RESULT wl=large check=%llx ops=%ld window=%ld secs=%.3f rss_end_kb=%ld rss_after_free_kb=%ld\n",
         (unsigned long long)check, a.ops, w, wl_now() - t0, rss, wl_rss_kb());
  return 0;
}

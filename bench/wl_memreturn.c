/* wl_memreturn.c — workload 9a: memory return.  Allocate a lot, free most of it, keep
 * running: is the memory given back to the system?
 *
 * Models a service after a load spike (a big request, a cache flush): phase 1 allocates
 * --size MiB in blocks of 16 B..16 KiB (log-distributed) and writes them; phase 2 frees
 * 90% of them, keeping every tenth block (survivors scattered over the whole heap, the
 * hard case for returning pages); phase 3 keeps running: --ops malloc/free pairs of the
 * same size mix with a small live window (4096 blocks), as the service goes on at low
 * load.  malloc_trim is never called: the question is what the allocator does by itself.
 *
 * The program reports its RSS (KiB) at each point:
 *   rss_peak_kb   after phase 1 (everything live)
 *   rss_freed_kb  right after phase 2
 *   rss_end_kb    after phase 3 (before the survivors are freed)
 *   returned_pct  100 * (rss_peak - rss_end) / (rss_peak - live bytes at the end), i.e. the
 *                 share of the freed memory that went back to the system
 *
 *   --size N     MiB allocated in phase 1 (default 256, smoke 16)
 *   --ops N      phase-3 malloc+free pairs (default 5000000, smoke 50000)
 */
#include "wl_common.h"

int main(int argc, char **argv) {
  wl_args a;
  wl_parse(argc, argv, &a, (wl_args){ 5000000, 256, 1, 10, 0 }, (wl_args){ 50000, 16, 1, 10, 1 },
           "memory return: allocate a lot, free 90%, keep running; reports RSS");
  wl_rng r;
  wl_rng_init(&r, a.seed);
  size_t target = (size_t)a.size << 20, total = 0, cap = 1 << 16, n = 0;
  unsigned char **blocks = malloc(cap * sizeof *blocks);
  size_t *lens = malloc(cap * sizeof *lens);
  uint64_t check = 0;
  double t0 = wl_now();
  long rss0 = wl_rss_kb();
  while (total < target) { /* phase 1 */
    if (n == cap) {
      cap *= 2;
      blocks = realloc(blocks, cap * sizeof *blocks);
      lens = realloc(lens, cap * sizeof *lens);
    }
    size_t len = wl_logsize(&r, 16, 16384);
    blocks[n] = memset(wl_xmalloc(len), (int)(n & 255), len);
    lens[n++] = len;
    total += len;
  }
  long rss_peak = wl_rss_kb();
  size_t live = 0;
  for (size_t i = 0; i < n; i++) { /* phase 2 */
    if (i % 10 == 9) { live += lens[i]; continue; }
    check += blocks[i][lens[i] - 1];
    free(blocks[i]);
    blocks[i] = NULL;
  }
  long rss_freed = wl_rss_kb();
  enum { W = 4096 };
  unsigned char *win[W] = { 0 };
  size_t wlen[W];
  for (long i = 0; i < a.ops; i++) { /* phase 3 */
    size_t k = (size_t)wl_below(&r, W);
    if (win[k]) {
      check += win[k][wlen[k] - 1];
      free(win[k]);
    }
    wlen[k] = wl_logsize(&r, 16, 16384);
    win[k] = wl_xmalloc(wlen[k]);
    win[k][0] = 1;
    win[k][wlen[k] - 1] = (unsigned char)i;
  }
  size_t wlive = 0;
  for (int k = 0; k < W; k++) wlive += win[k] ? wlen[k] : 0;
  long rss_end = wl_rss_kb();
  long live_kb = (long)((live + wlive) >> 10) + rss0;
  double returned = rss_peak > live_kb ? 100.0 * (double)(rss_peak - rss_end) / (double)(rss_peak - live_kb) : 0;
  if (returned < 0) returned = 0;
  for (int k = 0; k < W; k++) free(win[k]);
  for (size_t i = 0; i < n; i++) free(blocks[i]);
  free(blocks);
  free(lens);
  printf("RESULT wl=memreturn check=%llx allocated_mib=%ld blocks=%zu ops=%ld secs=%.3f "
         "rss_peak_kb=%ld rss_freed_kb=%ld rss_end_kb=%ld live_kb=%ld returned_pct=%.0f\n",
         (unsigned long long)check, a.size, n, a.ops, wl_now() - t0, rss_peak, rss_freed, rss_end,
         live_kb, returned);
  return 0;
}

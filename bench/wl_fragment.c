/* wl_fragment.c — workload 9b: the seed's fragmentation challenge, then repeated.
 *
 * The challenge (examples/fragmentation.c): allocate 1000 blocks of 1 KiB, free the even
 * ones, then ask for one 500 KB block.  The 500 holes of 1 KiB are not one run of 500 KB,
 * so the big block cannot use them: external fragmentation.  The program does it once and
 * reports where the big block went (rss figures in KiB) — then repeats it as a workload:
 * in each of --ops rounds it allocates 1000 x 1 KiB, frees the even ones, allocates and
 * fills a 500 KB block, and frees it; the odd 1 KiB blocks of the last 64 rounds stay live
 * (32 MB), older ones are freed.  An allocator that reuses the holes for the next round's
 * 1 KiB blocks and keeps the 500 KB block's memory for reuse stays near the live size; one
 * that cannot, grows.
 *
 *   --ops N      rounds (default 8000, smoke 200)
 *   --size N     rounds whose survivors stay live (default 64)
 */
#include "wl_common.h"

#define SMALL 1000
#define SMALL_SIZE 1024
#define BIG (500 * 1000)

int main(int argc, char **argv) {
  wl_args a;
  wl_parse(argc, argv, &a, (wl_args){ 8000, 64, 1, 11, 0 }, (wl_args){ 200, 64, 1, 11, 1 },
           "the seed's fragmentation challenge (1000 x 1 KiB, free even, 500 KB), repeated");
  long keep = a.size < 1 ? 1 : a.size;
  uint64_t check = 0;
  double t0 = wl_now();

  /* the challenge, once */
  static unsigned char *blocks[SMALL];
  long rss0 = wl_rss_kb();
  for (int i = 0; i < SMALL; i++) blocks[i] = memset(wl_xmalloc(SMALL_SIZE), i, SMALL_SIZE);
  for (int i = 0; i < SMALL; i += 2) {
    free(blocks[i]);
    blocks[i] = NULL;
  }
  unsigned char *big = memset(wl_xmalloc(BIG), 7, BIG);
  int in_holes = big >= blocks[1] && big <= blocks[SMALL - 1];
  long rss_challenge = wl_rss_kb();
  free(big);
  for (int i = 1; i < SMALL; i += 2) free(blocks[i]);

  /* repeated */
  unsigned char ***rounds = calloc((size_t)keep, sizeof *rounds);
  for (long rd = 0; rd < a.ops; rd++) {
    unsigned char **b = rounds[rd % keep];
    if (b) { /* the survivors of round rd - keep */
      for (int i = 1; i < SMALL; i += 2) {
        check += b[i][SMALL_SIZE - 1];
        free(b[i]);
      }
    } else {
      b = rounds[rd % keep] = malloc(SMALL * sizeof *b);
    }
    for (int i = 0; i < SMALL; i++) {
      b[i] = wl_xmalloc(SMALL_SIZE);
      b[i][0] = (unsigned char)i;
      b[i][SMALL_SIZE - 1] = (unsigned char)rd;
    }
    for (int i = 0; i < SMALL; i += 2) free(b[i]);
    big = memset(wl_xmalloc(BIG), (int)(rd & 255), BIG);
    check += big[BIG / 2];
    free(big);
  }
  long rss_end = wl_rss_kb();
  for (long k = 0; k < keep; k++) {
    if (!rounds[k]) continue;
    for (int i = 1; i < SMALL; i += 2) free(rounds[k][i]);
    free(rounds[k]);
  }
  free(rounds);
  long live_kb = (long)(keep < a.ops ? keep : a.ops) * (SMALL / 2) * SMALL_SIZE / 1024;
  printf("RESULT wl=fragment check=%llx rounds=%ld keep=%ld secs=%.3f big_in_holes=%d "
         "rss_challenge_kb=%ld rss_end_kb=%ld live_kb=%ld\n",
         (unsigned long long)check, a.ops, keep, wl_now() - t0, in_holes, rss_challenge - rss0,
         rss_end, live_kb);
  return 0;
}

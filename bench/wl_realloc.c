/* wl_realloc.c — workload 6: realloc growth.
 *
 * Models string builders and dynamic arrays.  --size live objects of two kinds grow side
 * by side (interleaved, so a block's neighbour is usually taken and growing in place is not
 * free):
 *  - strings that grow by small steps: append 1..32 bytes with realloc(len + n) each time
 *    (naive string concatenation), up to 1..64 KiB, then freed and restarted;
 *  - vectors that grow by doubling: realloc(2 * cap) from 16 B up to 4 KiB..1 MiB, each
 *    new half written (as a vector fills), then freed and restarted.
 * realloc must copy only when it has to; an allocator that grows in place (or rounds
 * strings up to a size class with slack) wins here.
 *
 *   --ops N      realloc calls in total                  (default 5000000, smoke 100000)
 *   --size N     live strings (and as many vectors)      (default 64)
 */
#include "wl_common.h"

typedef struct { unsigned char *p; size_t len, max; } obj;

int main(int argc, char **argv) {
  wl_args a;
  wl_parse(argc, argv, &a, (wl_args){ 5000000, 64, 1, 6, 0 }, (wl_args){ 100000, 64, 1, 6, 1 },
           "realloc growth: strings by small steps, vectors by doubling");
  long n = a.size < 1 ? 1 : a.size;
  wl_rng r;
  wl_rng_init(&r, a.seed);
  obj *str = calloc((size_t)n, sizeof *str), *vec = calloc((size_t)n, sizeof *vec);
  uint64_t check = 0;
  long vec_reallocs = 0, str_reallocs = 0;
  double t0 = wl_now();
  for (long i = 0; i < a.ops; i++) {
    uint64_t x = wl_next(&r);
    long k = (long)((x >> 8) % (uint64_t)n);
    if ((x & 15) != 0) { /* 15 of 16 steps: a string append */
      obj *s = &str[k];
      if (!s->p) s->max = 1024 + wl_below(&r, 63 * 1024);
      size_t add = 1 + (size_t)wl_below(&r, 32);
      unsigned char *q = realloc(s->p, s->len + add);
      if (!q) abort();
      wl_escape(q);
      memset(q + s->len, (int)(add + 'a'), add);
      s->p = q;
      s->len += add;
      str_reallocs++;
      if (s->len >= s->max) {
        check += s->len + s->p[s->len / 2];
        free(s->p);
        s->p = NULL;
        s->len = 0;
      }
    } else { /* a vector doubles */
      obj *v = &vec[k];
      if (!v->p) v->max = (size_t)4096 << wl_below(&r, 9);
      size_t cap = v->len ? v->len * 2 : 16;
      unsigned char *q = realloc(v->p, cap);
      if (!q) abort();
      wl_escape(q);
      memset(q + v->len, (int)(cap & 255), cap - v->len);
      v->p = q;
      v->len = cap;
      vec_reallocs++;
      if (v->len >= v->max) {
        check += v->len + v->p[v->len - 1];
        free(v->p);
        v->p = NULL;
        v->len = 0;
      }
    }
  }
  for (long k = 0; k < n; k++) {
    free(str[k].p);
    free(vec[k].p);
  }
  free(str);
  free(vec);
  printf("RESULT wl=realloc check=%llx ops=%ld live=%ld string_reallocs=%ld vector_reallocs=%ld secs=%.3f\n",
         (unsigned long long)check, a.ops, n, str_reallocs, vec_reallocs, wl_now() - t0);
  return 0;
}

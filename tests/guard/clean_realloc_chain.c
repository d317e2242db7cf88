// expect-clean
// sampled: 0
/* realloc growing and shrinking a block, contents kept; calloc'd blocks are zero. */
#include <stdlib.h>
#include <string.h>

int main(void) {
  char *p = NULL;
  size_t n = 0;
  for (int i = 1; i <= 200; i++) {
    size_t m = (size_t)(i * 37 % 5000) + 1;
    char *q = realloc(p, m);
    if (!q) return 2;
    for (size_t k = 0; k < (n < m ? n : m); k++)
      if (q[k] != (char)(k * 7)) return 3;
    for (size_t k = 0; k < m; k++) q[k] = (char)(k * 7);
    p = q;
    n = m;
  }
  free(p);
  for (int i = 0; i < 50; i++) {
    unsigned char *z = calloc((size_t)i + 1, 33);
    for (int k = 0; k < (i + 1) * 33; k++) if (z[k]) return 4;
    free(z);
  }
  return 0;
}

// expect-clean
/* Clean: blocks of every size class and a few large ones, all freed, in an order
   different from the allocation order. */
#include <stdlib.h>
#include <string.h>

#define N 2000

int main(void) {
  static char *blocks[N];
  for (int i = 0; i < N; i++) {
    size_t size = i % 100 == 99 ? (size_t)(i + 1) * 1024 : (size_t)(i * 13) % 4096 + 1;
    blocks[i] = malloc(size);
    memset(blocks[i], i, size);
  }
  for (int i = 0; i < N; i += 2) free(blocks[i]);
  for (int i = N - 1; i > 0; i -= 2) free(blocks[i]);
  return 0;
}

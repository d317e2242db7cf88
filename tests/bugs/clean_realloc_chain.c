// expect-clean
/* Clean: realloc chains that grow a block from 1 byte to 4 MiB and shrink it back,
   keeping the contents, plus realloc(NULL, n).  Every block is freed. */
#include <stdlib.h>
#include <string.h>

int main(void) {
  char *p = realloc(NULL, 1);
  p[0] = 'a';
  size_t size = 1;
  while (size < ((size_t)4 << 20)) {
    size_t bigger = size * 2 + 3;
    p = realloc(p, bigger);
    if (!p) return 1;
    memset(p + size, 'b', bigger - size);
    size = bigger;
  }
  while (size > 8) {
    size /= 3;
    p = realloc(p, size);
    if (!p || p[0] != 'a' || p[size - 1] != 'b') return 1;
  }
  free(p);
  return 0;
}

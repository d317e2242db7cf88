// expect-clean
/* Clean: calloc'd arrays, small to large, are zeroed and may be written in full. */
#include <stdlib.h>

int main(void) {
  for (size_t n = 1; n <= ((size_t)1 << 20); n *= 4) {
    int *a = calloc(n, sizeof *a);
    for (size_t i = 0; i < n; i++) {
      if (a[i] != 0) return 1;
      a[i] = (int)i;
    }
    free(a);
  }
  return 0;
}

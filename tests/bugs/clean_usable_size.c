// expect-clean
/* Clean: malloc_usable_size says how many bytes the program may use, which can be
   more than it asked for; writing all of them is not an overflow. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  size_t sizes[] = { 1, 10, 24, 100, 1000, 40 * 1024, 1 << 20 };
  for (int i = 0; i < 7; i++) {
    char *p = malloc(sizes[i]);
    size_t usable = malloc_usable_size(p);
    if (usable < sizes[i]) return 1;
    memset(p, 'u', usable);
    free(p);
  }
  return 0;
}

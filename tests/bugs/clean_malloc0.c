// expect-clean
/* Clean: the edge cases that are legal: malloc(0), calloc(0, n), realloc(NULL, 0)
   (each a block that must be freed), free(NULL). */
#include <stdlib.h>

int main(void) {
  void *a = malloc(0), *b = calloc(0, 8), *c = calloc(8, 0), *d = realloc(NULL, 0);
  free(a);
  free(b);
  free(c);
  free(d);
  free(NULL);
  return 0;
}

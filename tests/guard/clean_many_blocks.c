// expect-clean
// expect-text: WARNING: guard mode: .*vm\.max_map_count
/* More live blocks than the mapping limit allows guard pages for: guard mode warns once
   and gives the rest redzones; nothing fails. */
#include <stdlib.h>
#include <string.h>

#define COUNT 40000

int main(void) {
  static char *p[COUNT];
  for (int i = 0; i < COUNT; i++) {
    p[i] = malloc(24);
    if (!p[i]) return 2;
    memset(p[i], i, 24);
  }
  for (int i = 0; i < COUNT; i++) {
    if (p[i][23] != (char)i) return 3;
    free(p[i]);
  }
  return 0;
}

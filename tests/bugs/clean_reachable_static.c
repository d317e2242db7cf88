// expect-clean
/* Clean: a cache kept in a static local variable, never freed: still reachable. */
#include <stdlib.h>
#include <string.h>

static char *get_cache(void) {
  static char *cache;                    /* allocated once, lives until exit */
  if (!cache) cache = memset(malloc(1000), 0, 1000);
  return cache;
}

int main(void) {
  get_cache()[0] = 'x';
  return get_cache()[0] == 'x' ? 0 : 1;
}

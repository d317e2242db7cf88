/* A plugin the host loads with RTLD_DEEPBIND (deepbind.sh): it allocates and frees for
 * the host, leaks one block, and says whether its malloc is the host's. */
#include <stdlib.h>
#include <string.h>

char *plugin_make(size_t n) {
  char *p = malloc(n);
  if (p) memset(p, 'p', n);
  return p;
}

void plugin_free(void *p) { free(p); }

void *volatile plugin_leaked;
void plugin_leak(void) {
  plugin_leaked = malloc(4321);
  plugin_leaked = NULL;   /* lost: a block check mode reports with this frame */
}

int plugin_malloc_is(void *(*host_malloc)(size_t)) { return host_malloc == malloc; }

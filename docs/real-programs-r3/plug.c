#include <stdlib.h>
#include <string.h>
static char *tab[100]; static char *held;
__attribute__((constructor)) static void init(void) { for (int i = 0; i < 100; i++) tab[i] = strdup("plugin string"); held = malloc(5000); }
__attribute__((destructor)) static void fini(void) { for (int i = 0; i < 100; i++) free(tab[i]); free(held); }
char *plug_make(size_t n) { char *p = malloc(n); memset(p, 'p', n); return p; }
void plug_free(void *p) { free(p); }

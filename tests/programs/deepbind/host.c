/* Loads the plugin named argv[1] with RTLD_DEEPBIND (deepbind.sh): the name is bare, so
 * dlopen finds it only through this program's RUNPATH ($ORIGIN/plugins), which glibc's
 * dlopen takes from its caller.  Blocks cross between host and plugin both ways. */
#define _GNU_SOURCE   /* RTLD_DEEPBIND */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  if (dlopen("libhg-no-such-plugin.so", RTLD_NOW | RTLD_DEEPBIND)) return 3;
  const char *err = dlerror();
  printf("missing: %s\n", err && strstr(err, "libhg-no-such-plugin.so") ? "dlerror names it" : "no dlerror");
  void *h = dlopen(argv[1], RTLD_NOW | RTLD_DEEPBIND);
  if (!h) {
    printf("dlopen %s: %s\n", argv[1], dlerror());
    return 1;
  }
  char *(*make)(size_t) = (char *(*)(size_t))dlsym(h, "plugin_make");
  void (*plugin_free)(void *) = (void (*)(void *))dlsym(h, "plugin_free");
  void (*leak)(void) = (void (*)(void))dlsym(h, "plugin_leak");
  int (*malloc_is)(void *(*)(size_t)) = (int (*)(void *(*)(size_t)))dlsym(h, "plugin_malloc_is");
  if (!make || !plugin_free || !leak || !malloc_is) return 4;
  printf("plugin's malloc is the host's: %d\n", malloc_is(malloc));
  for (int i = 0; i < 100; i++) {
    char *p = make(24 + i * 40);   /* the plugin's malloc, the host's free */
    if (!p || p[0] != 'p') return 5;
    free(p);
    char *q = malloc(24 + i * 40);   /* the host's malloc, the plugin's free */
    if (!q) return 6;
    memset(q, 'h', 24 + i * 40);
    plugin_free(q);
  }
  leak();
  printf("crossed 200 blocks\n");
  return 0;
}

/* host.c — loads a plugin, calls it, unloads it, then does the same with a second
 * plugin that the loader maps where the first one was (see ../dlclose.sh). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static void *use(const char *path, size_t n, void **where) {
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
    exit(2);
  }
  void *(*grab)(size_t) = (void *(*)(size_t))dlsym(h, "grab");
  *where = (void *)grab;
  void *p = grab(n);
  dlclose(h);
  return p;
}

void *keep[2];

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  void *a, *b;
  keep[0] = use(argv[1], 111, &a);
  keep[1] = use(argv[2], 222, &b);
  fprintf(stderr, "grab at %s address\n", a == b ? "the same" : "another");
  free(keep[0]);
  free(keep[1]);
  free(keep[1]);   /* double free: the report shows where keep[1] was allocated */
  return 0;
}

/* host.c — loads a plugin, calls it, unloads it, then does the same with a second
 * plugin that the loader maps where the first one was (see ../dlclose.sh).  Both are
 * called from the same place, so both blocks are allocated from the same return
 * addresses: only the object that was mapped there at the time tells them apart. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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

/* host PLUGIN1 PLUGIN2 [unlink]: with "unlink", the first plugin's file is removed
 * once it is unloaded (its frames can no longer be symbolised). */
int main(int argc, char **argv) {
  if (argc != 3 && argc != 4) return 2;
  void *at[2];
  for (int i = 0; i < 2; i++) {
    keep[i] = use(argv[1 + i], 111 * (size_t)(i + 1), &at[i]);
    if (i == 0 && argc == 4) unlink(argv[1]);
  }
  fprintf(stderr, "grab at %s address\n", at[0] == at[1] ? "the same" : "another");
  free(keep[0]);
  free(keep[0]);   /* double free: the report shows where keep[0] was allocated */
  free(keep[1]);
  free(keep[1]);   /* and keep[1] */
  return 0;
}

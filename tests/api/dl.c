/* The dynamic loader allocates too: dlsym(RTLD_NEXT, "malloc") and
 * dlsym(RTLD_DEFAULT, "malloc"), dlopen of libm.so.6 and a call into it, dlerror after a
 * failed dlopen, and repeated dlopen/dlclose; blocks allocated around them stay intact.
 * (The RTLD_NEXT malloc is not called: when heapguard is linked in statically it is
 * glibc's malloc, and mixing the two would be a test bug.)
 */
#define _GNU_SOURCE /* RTLD_NEXT, RTLD_DEFAULT, Dl_info */
#include "check.h"

#include <dlfcn.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  unsigned char *before = malloc(3000);
  if (before) hg_fill(before, 3000, 1);

  void *next = dlsym(RTLD_NEXT, "malloc");
  CHECK_NONNULL(next);
  void *def = dlsym(RTLD_DEFAULT, "malloc");
  CHECK_NONNULL(def);
  /* the malloc everyone sees is the one this program calls */
  CHECKF(def == (void *)malloc, "dlsym(RTLD_DEFAULT, \"malloc\") = %p, malloc = %p", def,
         (void *)malloc);
  void *def_free = dlsym(RTLD_DEFAULT, "free");
  CHECK(def_free == (void *)free);

  for (int round = 0; round < 20; round++) {
    void *h = dlopen("libm.so.6", RTLD_NOW | (round % 2 ? RTLD_GLOBAL : RTLD_LOCAL));
    if (!CHECKF(h != NULL, "dlopen(libm.so.6): %s", dlerror())) break;
    double (*cosine)(double) = (double (*)(double))dlsym(h, "cos");
    double (*power)(double, double) = (double (*)(double, double))dlsym(h, "pow");
    if (CHECK_NONNULL(cosine)) CHECK(cosine(0.0) == 1.0);
    if (CHECK_NONNULL(power)) CHECK(power(2.0, 10.0) == 1024.0);
    CHECK_NULL(dlsym(h, "no_such_symbol_in_libm"));
    const char *err = dlerror();
    CHECK(err != NULL && strlen(err) > 0);
    CHECK_EQ(dlclose(h), 0);
  }

  void *h = dlopen("libheapguard-test-does-not-exist.so", RTLD_NOW);
  CHECK_NULL(h);
  const char *err = dlerror();
  if (CHECK_NONNULL(err)) {
    char *copy = strdup(err);
    CHECK_NONNULL(copy);
    free(copy);
  }
  CHECK_NULL(dlerror()); /* cleared by the previous call */

  /* dladdr on a heap pointer finds no object (and does not crash) */
  Dl_info info;
  void *heap = malloc(64);
  (void)dladdr(heap, &info);
  free(heap);

  if (before) {
    CHECK_PATTERN(before, 3000, 1);
    free(before);
  }
  return check_finish();
}

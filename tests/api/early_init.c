/* Allocation before main and after exit: a constructor with priority 101 (runs before
 * ordinary constructors) mallocs, callocs, reallocs, strdup's and frees; the blocks it
 * keeps are checked and freed in main; a destructor and an atexit handler allocate and
 * free during exit.
 */
#include "check.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned char *early_block;
static char *early_str;
static int *early_array;
static int early_ok = -1;

__attribute__((constructor(101))) static void very_early(void) {
  int ok = 1;
  void *p = malloc(10);
  ok &= p != NULL && ((uintptr_t)p & 15) == 0;
  free(p);
  early_str = strdup("allocated before main");
  ok &= early_str != NULL;
  early_block = malloc(5000);
  ok &= early_block != NULL;
  if (early_block) hg_fill(early_block, 5000, 101);
  early_array = calloc(1000, sizeof(int));
  ok &= early_array != NULL;
  if (early_array) {
    for (int i = 0; i < 1000; i++) ok &= early_array[i] == 0;
    int *q = realloc(early_array, 200000 * sizeof(int));
    ok &= q != NULL;
    if (q) {
      early_array = q;
      for (int i = 0; i < 200000; i++) q[i] = i;
    }
  }
  void *a = NULL;
  ok &= posix_memalign(&a, 4096, 100) == 0 && ((uintptr_t)a & 4095) == 0;
  free(a);
  free(malloc(1 << 20));
  early_ok = ok;
}

__attribute__((constructor(102))) static void early_too(void) {
  /* ordinary constructor: blocks from the first one are still intact */
  if (early_block && hg_verify(early_block, 5000, 101) != (size_t)-1) early_ok = 0;
}

static void at_exit_handler(void) {
  char *s = strdup("atexit");
  void *big = malloc(3 << 20);
  if (!s || !big) {
    static const char msg[] = "allocation failed in an atexit handler\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(1);
  }
  free(big);
  free(s);
}

__attribute__((destructor)) static void late(void) {
  void *p[64];
  for (int i = 0; i < 64; i++) p[i] = malloc((size_t)i * 64 + 1);
  for (int i = 0; i < 64; i++) free(p[i]);
}

int main(void) {
  CHECK_EQ(early_ok, 1);
  if (CHECK_NONNULL(early_str)) {
    CHECK(strcmp(early_str, "allocated before main") == 0);
    CHECK(malloc_usable_size(early_str) >= strlen(early_str) + 1);
    free(early_str);
  }
  if (CHECK_NONNULL(early_block)) {
    CHECK_PATTERN(early_block, 5000, 101);
    free(early_block);
  }
  if (CHECK_NONNULL(early_array)) {
    int bad = 0;
    for (int i = 0; i < 200000; i++) bad += early_array[i] != i;
    CHECK_EQ(bad, 0);
    free(early_array);
  }
  CHECK_EQ(atexit(at_exit_handler), 0);
  return check_finish();
}

// expect-clean
/* Clean: the memalign family, every block written to its full size and freed. */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int use(void *p, size_t align, size_t size) {
  if (!p || (uintptr_t)p % align != 0) return 1;
  memset(p, 0x5a, size);
  free(p);
  return 0;
}

int main(void) {
  int bad = 0;
  for (size_t align = 16; align <= 65536; align *= 4) {
    size_t sizes[] = { 1, 100, align, 3 * align + 5 };
    for (int i = 0; i < 4; i++) {
      size_t n = sizes[i];
      void *v = NULL;
      bad |= use(memalign(align, n), align, n);
      bad |= posix_memalign(&v, align, n) != 0 || use(v, align, n);
      bad |= use(aligned_alloc(align, (n + align - 1) / align * align), align,
                 (n + align - 1) / align * align);
    }
  }
  bad |= use(valloc(5000), 4096, 5000);
  return bad;
}

// expect-error: invalid-free
// expect-text: bug_free_mmap\.c:13\)
/* free() of memory the program mapped itself with mmap (it needs munmap). */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  size_t n = 64 * 1024;
  char *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return 1;
  memset(m, 1, n);
  free(m);                               /* BUG: not from malloc */
  munmap(m, n);
  return 0;
}

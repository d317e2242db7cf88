/* guard_pad.sh's program: a block of whole pages mapped where another mapping was.
 *
 *   stale           a pointer to the start of a mapping, kept in a global after the
 *                   mapping is unmapped (as the loader keeps one to its cache file),
 *                   then malloc(8192), the only pointer to it dropped, once its
 *                   mapping took the hole: prints "placed: yes" then, "placed: no" if
 *                   no try put it there (the test cannot say then: it skips)
 *   underflow       writes the byte before an 8192-byte block
 *
 * The hole is the last mapping made, so that the next mapping that fits is put in it
 * (the kernel takes the highest gap that fits; several tries: a gap higher up, one the
 * loader left, may take the first).  Holes of 3 pages, then 4: the guarded slot of an
 * 8192-byte block with its guard page takes 3, with a page before it too, 4; the
 * block's mapping then starts at the hole's start. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

uintptr_t stale;   /* a root of the leak scan: the program's data */

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "underflow") == 0) {
    volatile char *p = malloc(8192);
    p[-1] = 1;   /* BUG: underflow */
    free((void *)p);
    return 0;
  }
  static char *kept[64];
  int k = 0;
  for (size_t pages = 3; pages <= 4; pages++) {
    for (int try = 0; try < 32; try++) {
      void *m = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (m == MAP_FAILED) return 2;
      munmap(m, pages * 4096);
      char *p = malloc(8192);
      memset(p, 1, 8192);
      uintptr_t a = (uintptr_t)p, s = (uintptr_t)m;
      if (a >= s && a + 8192 <= s + pages * 4096) {
        stale = s;
        p = NULL;
        printf("placed: yes\n");
        return 0;
      }
      kept[k++] = p;   /* reachable: its mapping stays, the next hole is elsewhere */
    }
  }
  printf("placed: no\n");
  return 0;
}

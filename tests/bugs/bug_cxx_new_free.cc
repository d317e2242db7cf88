// expect-error: mismatched-free
// expect-text: Mismatched free\(\) / delete / delete \[\]: free\(\) of a block from new
// expect-text: at free \(heapguard\)
// expect-text: is 0 bytes inside a block of size 24 alloc'd
// expect-text: bug_cxx_new_free\.cc:14\)
// expect-text: bug_cxx_new_free\.cc:15\)
/* A new'd object released with free(): its destructor never runs, and the block goes
   to the wrong family. */
#include <cstdlib>

struct Point { long x, y, z; };

int main() {
  Point *p = new Point{1, 2, 3};
  free(p);                               // BUG: new'd, freed with free()
  return 0;
}

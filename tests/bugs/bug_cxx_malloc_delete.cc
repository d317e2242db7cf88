// expect-error: mismatched-free
// expect-text: ERROR: mismatched-free: Mismatched free\(\) / delete / delete \[\]: delete of a block from malloc\(\)
// expect-text: at operator delete\(void\*
// expect-text: is 0 bytes inside a block of size 40 alloc'd
// expect-text: bug_cxx_malloc_delete\.cc:13\)
// expect-text: bug_cxx_malloc_delete\.cc:15\)
/* A block from malloc given to delete (Valgrind: "Mismatched free() / delete /
   delete []"): reported with both stacks, then freed all the same. */
#include <cstdio>
#include <cstdlib>

int main() {
  int *p = (int *)malloc(10 * sizeof(int));
  p[0] = 1;
  delete p;                              // BUG: malloc'd, deleted
  std::puts("still running");
  return 0;
}

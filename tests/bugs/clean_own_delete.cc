// expect-clean
/* Clean: operator delete of the program's own that calls free, and no operator new:
 * new is the process's (heapguard's), and free gets the block from the program's
 * delete (tests/bugs/clean_own_new.cc is the other way round).  Without heapguard the
 * runtime's new calls malloc: free of a malloc'd block. */
#include <cstdio>
#include <cstdlib>

void operator delete(void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }
void operator delete[](void *p) noexcept { std::free(p); }
void operator delete[](void *p, std::size_t) noexcept { std::free(p); }

struct item { int id; char name[20]; };

int main() {
  long sum = 0;
  for (int i = 0; i < 100; i++) {
    item *it = new item{ i, "x" };
    int *arr = new int[i + 1];
    arr[i] = i;
    sum += it->id + arr[i];
    delete it;
    delete[] arr;
  }
  std::printf("%ld\n", sum);
  return sum == 9900 ? 0 : 1;
}

// expect-error: double-free
// expect-text: ERROR: double-free: operator delete\(void\*(, size_t)?\)\(0x[0-9a-f]+\) of a block that was already freed
// expect-text: ERROR: double-free: operator delete\[\]\(void\*(, size_t)?\)\(0x[0-9a-f]+\) of a block that was already freed
// expect-text: bug_double_delete\.cc:24\)
// expect-text: bug_double_delete\.cc:28\)
/* The same object deleted twice, and the same array delete[]d twice: double frees,
   whatever the form of the deallocation (Valgrind: "Invalid free() / delete /
   delete[] / realloc()").  They were reported under the kind "invalid-realloc": a
   suppression or an --errors-for-leak-kinds filter written for double-free missed
   them.  (Not named bug_cxx_*: programs/cxx runs those to their end under glibc, which
   aborts here.) */
#include <cstdio>

struct Node {
  long key;
  Node *next;
};

__attribute__((noinline)) static void drop(Node *n) { delete n; }
__attribute__((noinline)) static void drop_all(int *a) { delete[] a; }

int main() {
  Node *n = new Node{ 1, nullptr };
  drop(n);
  drop(n);
  int *a = new int[8];
  a[0] = 1;
  drop_all(a);
  drop_all(a);
  std::puts("done");
  return 0;
}

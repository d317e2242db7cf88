// expect-error: double-free
// env: HEAPGUARD_DEMANGLE=no
// expect-text: by 0x[0-9a-f]+: _ZL4dropP4Node \(bug_demangle_no\.cc:18\)
// expect-text: by 0x[0-9a-f]+: _ZN3app4makeEi \(bug_demangle_no\.cc:16\)
/* HEAPGUARD_DEMANGLE=no (--demangle=no, as Valgrind's): C++ names are printed as the
   object file has them, mangled. */
#include <cstdio>

struct Node {
  long key;
  Node *next;
};

namespace app {
// (one line each: the expected lines name them)
__attribute__((noinline)) Node *make(int k) { return new Node{ k, nullptr }; }
}
__attribute__((noinline)) static void drop(Node *n) { delete n; __asm__ volatile(""); }   // (no tail call at -O2)

int main() {
  Node *n = app::make(1);
  drop(n);
  drop(n);
  std::puts("done");
  return 0;
}

// expect-error: double-free
// expect-text: by 0x[0-9a-f]+: drop\(Node\*\) \(bug_demangled\.cc:22\)
// expect-text: by 0x[0-9a-f]+: app::make\(int\) \(bug_demangled\.cc:19\)
// expect-text: by 0x[0-9a-f]+: app::Pool<long>::put\(long\*\) \(bug_demangled\.cc:20\)
// expect-text: by 0x[0-9a-f]+: main \(bug_demangled\.cc:30\)
/* C++ names in a report's stacks are printed demangled, as Valgrind prints them
   (--demangle=yes, its default): "drop(Node*)", "app::make(int)", a template's member
   "app::Pool<long>::put(long*)", not _ZL4dropP4Node, _ZN3app4makeEi,
   _ZN3app4PoolIlE3putEPl.  Demangled by libstdc++'s __cxa_demangle, which a C++
   program has loaded. */
#include <cstdio>

struct Node {
  long key;
  Node *next;
};

namespace app {
__attribute__((noinline)) Node *make(int k) { return new Node{ k, nullptr }; }
template <class T> struct Pool { __attribute__((noinline)) static void put(T *p) { delete p; __asm__ volatile(""); } };
}
__attribute__((noinline)) static void drop(Node *n) { delete n; __asm__ volatile(""); }   // (no tail call at -O2)

int main() {
  Node *n = app::make(1);
  drop(n);
  drop(n);
  long *v = new long(3);
  app::Pool<long>::put(v);
  app::Pool<long>::put(v);
  std::puts("done");
  return 0;
}

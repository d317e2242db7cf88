// expect-error: double-free
// expect-text: ^==[0-9]+==    by 0x[0-9a-f]+: app::drop\(Node\*\) \(bug_inlined\.cc:21\)$
// expect-text: ^==[0-9]+==    by 0x[0-9a-f]+: release \(bug_inlined\.cc:24\)$
// expect-text: ^==[0-9]+==    by 0x[0-9a-f]+: main \(bug_inlined\.cc:30\)$
// expect-text: ^==[0-9]+==    by 0x[0-9a-f]+: main \(bug_inlined\.cc:31\)$
/* A function inlined into its caller (always_inline: at -O0 as at -O2) has no frame of
   its own; its report shows it as one, as Valgrind's (--read-inline-info=yes): "by 0x:
   app::drop(Node*) (:21)", "by 0x: release (:24)" (static: no mangled name), then the
   out-of-line caller "by 0x: main (:30)", the three at the same address.  Its line was
   printed under the caller's name: "main (bug_inlined.cc:21)".  Two levels: drop
   inlined into release, itself inlined into main. */
#include <cstdio>

struct Node {
  long key;
  Node *next;
};

namespace app {
__attribute__((always_inline)) inline void drop(Node *n) {
  delete n;
}
}
__attribute__((always_inline)) static inline void release(Node *n) { app::drop(n); }

int main() {
  Node *n = new Node{ 1, nullptr };
  n->key = 2;
  std::printf("%ld\n", n->key);
  release(n);
  release(n);
  return 0;
}

// expect-clean
// sampled: 0
// env: HEAPGUARD_SAMPLE_RATE=3
/* Blocks from new and new[] of many sizes, in threads, each deleted with its own
   form: no error.  In sampled guard mode (one request in 3 here) every sample taken
   during an operator new must be recorded as new's or new[]'s, whichever path took it
   (new's inline countdown reaching 0, a refill of the thread's heap in between):
   one recorded as malloc's would make its delete a false mismatched-free. */
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

struct Node {
  long v[5];
};

static void work(unsigned seed) {
  std::vector<Node *> nodes;
  std::vector<char *> arrays;
  for (int i = 0; i < 3000; i++) {
    seed = seed * 1103515245u + 12345u;
    size_t n = 1 + (seed >> 16) % 600;
    char *a = new char[n];
    std::memset(a, 1, n);
    arrays.push_back(a);
    nodes.push_back(new Node());
    if (arrays.size() > 40) {
      delete[] arrays.front();
      arrays.erase(arrays.begin());
      delete nodes.front();
      nodes.erase(nodes.begin());
    }
  }
  for (char *a : arrays) delete[] a;
  for (Node *p : nodes) delete p;
}

int main() {
  for (int round = 0; round < 3; round++) {
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < 4; t++) threads.emplace_back(work, t * 7919u + (unsigned)round);
    for (std::thread &t : threads) t.join();
  }
  std::puts("done");
  return 0;
}

// expect-error: mismatched-free
// expect-text: Mismatched free\(\) / delete / delete \[\]: free\(\) of a block from new\[\]
// expect-text: at operator new\[\]\(size_t\) \(heapguard\)
// expect-text: bug_cxx_new_free\.cc:14\)
// expect-text: bug_cxx_new_free\.cc:16\)
// sampled: 134
/* new[] then free(): reported in guard mode as in check mode, and in sampled guard
   mode too when the block is a sampled one (every one here): the sample is recorded as
   new[]'s, not malloc's, so free() is checked against it. */
#include <cstdlib>
#include <cstring>

int main() {
  char *volatile a = new char[40];
  std::memset(a, 1, 40);
  std::free(a);                          // BUG: new[]'d, given to free
  return 0;
}

// expect-error: mismatched-free
// expect-text: Mismatched free\(\) / delete / delete \[\]: realloc\(\) of a block from new\[\]
// expect-text: at realloc \(heapguard\)
// expect-text: bug_cxx_realloc_new\.cc:11\)
// expect-text: bug_cxx_realloc_new\.cc:13\)
/* realloc of a new[]'d array (Valgrind reports it too); the new block is realloc's. */
#include <cstdlib>
#include <cstring>

int main() {
  char *s = new char[16];
  std::strcpy(s, "hello");
  s = (char *)realloc(s, 64);            // BUG: new[]'d, realloc'd
  int ok = std::strcmp(s, "hello") == 0;
  free(s);
  return ok ? 0 : 1;
}

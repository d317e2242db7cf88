// expect-error: heap-buffer-overflow
// expect-text: ERROR: heap-buffer-overflow: write past the end of a 24-byte block
// expect-text: at operator delete\[\]\(void\*\) \(heapguard\)
// expect-text: bug_cxx_new_slack\.cc:20\)
// expect-text: bug_cxx_new_slack\.cc:17\)
// expect-text: at operator new\[\]\(size_t\) \(heapguard\)
// sampled: 134
// env: HEAPGUARD_GUARD_ALIGN=8 HEAPGUARD_SAMPLE_ALIGN=8
/* new char[24] is 16-byte aligned in guard mode (C++ expects it) even with malloc's
   blocks aligned to 8 (the opt-in set here, where malloc(24) would end at the guard
   page), so 8 bytes of slack lie between its end and the guard page: a write there
   does not fault, and is found when the block is deleted, as a write into malloc's
   slack is. */
#include <cstdio>

int main() {
  char *volatile p = new char[24];
  std::printf("%p\n", (void *)p);
  p[26] = 'x';                        /* BUG: in the slack */
  delete[] p;
  return 0;
}

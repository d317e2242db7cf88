// expect-clean
// sampled: 0
// env: HEAPGUARD_GUARD_ALIGN=8 HEAPGUARD_SAMPLE_ALIGN=8
/* operator new's blocks of 16 bytes or more are 16-byte aligned in guard mode and
   sampled guard mode, whatever the least alignment of malloc's (HEAPGUARD_GUARD_ALIGN
   and HEAPGUARD_SAMPLE_ALIGN: 16 by default, the opt-in 8 here): C++ compilers take
   __STDCPP_DEFAULT_NEW_ALIGNMENT__ (16) as given for objects that big (clang -O2 zeroes
   a new 24-byte object with movaps: tests/programs/cxx.sh).  Smaller ones are aligned
   to the largest power of two not above their size, as a compiler assumes too. */
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>

static int bad(const char *what, size_t n, const void *p) {
  std::printf("%s(%zu) = %p: not aligned as C++ expects\n", what, n, p);
  return 1;
}

/* what a compiler may assume of operator new(n)'s block: min(16, 2^floor(log2 n)) */
static uintptr_t expected(size_t n) {
  uintptr_t a = 1;
  while (a * 2 <= n && a < 16) a *= 2;
  return a;
}

struct S24 { long a, b, c; };
struct S40 { long a, b, c, d, e; };

int main() {
  int errors = 0;
  for (size_t n = 1; n <= 300; n++) {
    char *p = new char[n];
    void *q = ::operator new(n);
    void *r = ::operator new(n, std::nothrow);
    if ((uintptr_t)p % expected(n)) errors += bad("new[]", n, p);
    if ((uintptr_t)q % expected(n)) errors += bad("operator new", n, q);
    if (!r || (uintptr_t)r % expected(n)) errors += bad("operator new(nothrow)", n, r);
    std::memset(p, 1, n);
    std::memset(q, 2, n);
    std::memset(r, 3, n);
    delete[] p;
    ::operator delete(q);
    ::operator delete(r);
  }
  S24 *a = new S24();
  S40 *b = new S40();
  if ((uintptr_t)a % 16) errors += bad("new S24", sizeof *a, a);
  if ((uintptr_t)b % 16) errors += bad("new S40", sizeof *b, b);
  delete a;
  delete b;
  return errors ? 1 : 0;
}

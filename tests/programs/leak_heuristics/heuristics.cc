/* leak_heuristics/heuristics.cc — for tests/programs/leak_heuristics.sh: a block of each shape
 * Valgrind's leak check heuristics recognise, held only through the pointer into its
 * middle that each recognises; built with -D_GLIBCXX_USE_CXX11_ABI=0 (libstdc++'s old,
 * copy-on-write std::string).  At exit (besides libstdc++'s own pool, still reachable):
 *   still reachable via heuristic: stdstring 190 bytes in 2 blocks (two strings'
 *     representations, 24 + 100 + 1 and 24 + 40 + 1 bytes, held by pointers to their
 *     characters), length64 48 bytes in 1 block, newarray 28 bytes in 1 block (5 objects
 *     with a destructor after their count), multipleinheritance 40 bytes in 1 block (an
 *     object of a class with two bases that have two virtual functions each, held as
 *     its second base);
 *   still reachable, not via heuristic: 32 bytes (a length64 block also held at its
 *     start);
 *   possibly lost: 56 bytes (a class with two bases of one virtual function each: not
 *     recognised, as by Valgrind, whose rule wants two entries in the vtable);
 *   definitely lost: 24 bytes, indirectly lost: 40 (a lost block holding an object of
 *     the two-base class by its second base: a heuristic does not make it reachable).
 * With --leak-check-heuristics=none, the 306 bytes in 5 blocks reached via heuristic are
 * possibly lost too (362 bytes in 6 blocks).  Valgrind 3.19 (--leak-check=full
 * --show-leak-kinds=all) says the same, but for the pool, which it frees at exit. */
#include <cstdlib>
#include <new>
#include <string>

struct A { virtual ~A() {} virtual void f() {} long a; };
struct B { virtual ~B() {} virtual void g() {} long b; };
struct C : A, B { long c; };

struct D1 { virtual void f() {} long a; };
struct D2 { virtual void g() {} long b; };
struct D : D1, D2 { long c; char pad[16]; };

struct obj { ~obj() {} int v; };

alignas(std::string) char strings[2][sizeof(std::string)];
char *len64, *len64_inside, *len64_start;
obj *array;
B *second_base;
D2 *single_virtual;

static char *sized(size_t n) {
  size_t *p = static_cast<size_t *>(malloc(sizeof(size_t) + n));
  p[0] = n;
  return reinterpret_cast<char *>(p + 1);
}

int main() {
  new (strings[0]) std::string(100, 'x');
  new (strings[1]) std::string(40, 'y');
  len64 = sized(40);
  array = new obj[5];
  second_base = new C;
  single_virtual = new D;
  len64_inside = sized(24);
  len64_start = len64_inside - sizeof(size_t);
  B **lost = static_cast<B **>(malloc(24));
  lost[0] = new C;
  lost = nullptr;
  return 0;
}

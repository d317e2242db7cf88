// expect-clean
/* Clean: every form of new with its own delete — single objects, arrays (with and
   without destructors, so with and without new[]'s count before the elements), sized
   deletes, nothrow new, an over-aligned struct (operator new(size_t, align_val_t)),
   alone and in arrays, and new(0).  Nothing may be reported. */
#include <cstdint>
#include <cstdio>
#include <memory>
#include <new>
#include <string>

struct alignas(64) Line { char bytes[64]; };
struct Big { long v[100]; };
struct Counted {
  static int live;
  std::string s = "counted";
  Counted() { live++; }
  ~Counted() { live--; }
};
int Counted::live;

int main() {
  unsigned long sum = 0;
  for (int i = 0; i < 2000; i++) {
    int *one = new int(i);
    int *many = new int[i % 50 + 1];
    many[i % 50] = i;
    sum += (unsigned long)*one + (unsigned long)many[i % 50];
    delete one;
    delete[] many;
    Counted *c = new Counted[i % 7 + 1];
    delete[] c;
    Big *b = new Big();
    b->v[99] = i;
    delete b;                                     // sized delete (C++14)
  }
  Line *l = new Line();
  if ((uintptr_t)l % 64) return 1;
  delete l;                                       // sized, aligned delete
  Line *ls = new Line[5];
  if ((uintptr_t)ls % 64) return 2;
  delete[] ls;
  void *a = ::operator new(100, std::align_val_t(256));
  if ((uintptr_t)a % 256) return 3;
  ::operator delete(a, std::align_val_t(256));
  void *as = ::operator new(100, std::align_val_t(128));
  ::operator delete(as, 100, std::align_val_t(128));
  int *nt = new (std::nothrow) int[8];
  if (!nt) return 4;
  delete[] nt;
  Line *ntl = new (std::nothrow) Line;
  if (!ntl) return 5;
  delete ntl;
  void *z1 = ::operator new(0), *z2 = ::operator new(0);
  if (!z1 || !z2 || z1 == z2) return 6;
  ::operator delete(z1);
  ::operator delete(z2, (size_t)0);
  auto u = std::make_unique<Big>();
  auto ua = std::make_unique<int[]>(30);
  auto sp = std::make_shared<Line>();
  std::printf("%lu %d\n", sum, Counted::live);
  return Counted::live == 0 ? 0 : 7;
}

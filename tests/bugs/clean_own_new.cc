// expect-clean
/* Clean: an operator new of the program's own that calls malloc, and no operator delete:
 * delete is the process's (heapguard's), given a block that malloc made, and the
 * runtime's delete calls free on it.  rustc's libLLVM has its own new and delete (a
 * libstdc++ linked in, bound inside it), and rust-lld, linking, deletes the strings
 * libLLVM new'd with the process's delete: 13 "mismatched-free: delete of a block from
 * malloc()" in check mode, and in sampled mode the first one ended rust-lld (rustc:
 * "linking failed").  Both operators are right for their object; underneath it is
 * malloc's block given to free. */
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

void *operator new(std::size_t n) {
  void *p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  return p;
}

struct node { long v[5]; node *next; };

int main() {
  node *head = nullptr;
  for (int i = 0; i < 100; i++) head = new node{ { i }, head };
  long sum = 0;
  while (head) {
    node *n = head->next;
    sum += head->v[0];
    delete head;   /* sized delete, heapguard's */
    head = n;
  }
  std::string *s = new std::string(200, 'x');
  sum += (long)s->size();
  delete s;
  std::printf("%ld\n", sum);
  return sum == 5150 ? 0 : 1;
}

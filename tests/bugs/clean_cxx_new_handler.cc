// expect-clean
/* Clean: a new_handler, and operator new failing.  A huge new runs the handler until
   it gives up (removes itself), then throws std::bad_alloc, which is caught; a
   nothrow new of the same returns NULL after the handler's turns.  The blocks made
   before and after are freed with their own functions.  Nothing may be reported. */
#include <cstdio>
#include <new>

static int calls;
static void handler() {
  if (++calls >= 3) std::set_new_handler(nullptr);   // the third call gives up
}

int main() {
  int *before = new int[100];
  std::set_new_handler(handler);
  size_t huge = (size_t)1 << 62;
  bool thrown = false;
  try {
    char *p = new char[huge];
    p[0] = 1;
  } catch (const std::bad_alloc &) {
    thrown = true;
  }
  if (!thrown || calls != 3) return 1;
  calls = 0;
  std::set_new_handler(handler);
  char *q = new (std::nothrow) char[huge];
  if (q || calls != 3) return 2;
  calls = 0;
  std::set_new_handler(handler);
  void *r = ::operator new(huge, std::align_val_t(64), std::nothrow);
  if (r || calls != 3) return 3;
  std::set_new_handler(nullptr);
  int *after = new int(5);
  delete after;
  delete[] before;
  std::puts("ok");
  return 0;
}

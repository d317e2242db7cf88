// expect-error: invalid-free
// expect-text: ERROR: invalid-free: operator delete\(void\*(, size_t)?\)\(0x[0-9a-f]+\)
// expect-text: Address 0x[0-9a-f]+ is on a thread's stack
// expect-text: bug_delete_stack\.cc:18\)
/* delete of an object that lives on the stack: an invalid free, as free() of a stack
   address is (it was reported under the kind "invalid-pointer", malloc_usable_size's). */
struct Point {
  long x, y;
};

__attribute__((noinline)) static void release(Point *p) {
  __asm__ volatile("" : : "r"(p) : "memory");   /* (no warning: the compiler cannot see it) */
  delete p;
}

int main() {
  Point local{ 1, 2 };
  release(&local);
  return 0;
}

// expect-error: mismatched-delete-size
// expect-text: ERROR: mismatched-delete-size: Mismatched new/delete size value: 8 \(the block's size is 48\)
// expect-text: at operator delete\(void\*, size_t\) \(heapguard\)
// expect-text: bug_cxx_delete_size\.cc:19\)
// expect-text: bug_cxx_delete_size\.cc:20\)
// sampled: 134
/* A derived object deleted through a base pointer without a virtual destructor: the
   sized delete says the base's size.  Found in guard mode and, for a sampled block,
   in sampled guard mode, whose record keeps the form and size as check mode's does. */

struct Base {
  long id;
};
struct Derived : Base {
  long more[5];
};

int main() {
  Base *b = new Derived();
  delete b;                              // BUG: ~Base is not virtual; sizeof(Base) said
  return 0;
}

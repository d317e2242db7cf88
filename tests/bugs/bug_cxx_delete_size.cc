// expect-error: mismatched-delete-size
// expect-text: ERROR: mismatched-delete-size: Mismatched new/delete size value: 8 \(the block's size is 48\)
// expect-text: at operator delete\(void\*, size_t\) \(heapguard\)
// expect-text: bug_cxx_delete_size\.cc:17\)
// expect-text: bug_cxx_delete_size\.cc:18\)
/* A derived object deleted through a base pointer without a virtual destructor: the
   sized delete says the base's size, not the block's (ASan: new-delete-type-mismatch). */

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

// expect-error: mismatched-delete-alignment
// expect-text: Mismatched new/delete alignment alloc value: 64 dealloc value: default-aligned
// expect-text: at operator new\(size_t, align_val_t\) \(heapguard\)
// expect-text: bug_cxx_aligned_delete\.cc:13\)
// expect-text: bug_cxx_aligned_delete\.cc:15\)
/* An over-aligned object's block (operator new(size_t, align_val_t)) given to the
   plain operator delete. */
#include <new>

struct alignas(64) Line { char bytes[64]; };

int main() {
  Line *l = new Line();
  l->bytes[0] = 1;
  ::operator delete(static_cast<void *>(l));   // BUG: not the aligned delete
  return 0;
}

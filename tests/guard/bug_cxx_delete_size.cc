// expect-error: mismatched-delete-size
// expect-text: ERROR: mismatched-delete-size: Mismatched new/delete size value: 8 \(the block's size is 48\)
// expect-text: at operator delete\(void\*, size_t\) \(heapguard\)
// expect-text: bug_cxx_delete_size\.cc:17\)
// expect-text: bug_cxx_delete_size\.cc:18\)
// sampled: 134
/* A derived object deleted through a base pointer without a virtual destructor: the
   sized delete says the base's size (tests/bugs/bug_cxx_delete_size.cc).  Found in guard
   mode and, for a sampled block, in sampled guard mode, whose record keeps the form and
   size as check mode's does. */
#include "../bugs/bug_cxx_delete_size.cc"

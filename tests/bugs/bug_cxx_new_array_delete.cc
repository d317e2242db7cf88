// expect-error: mismatched-free
// expect-text: Mismatched free\(\) / delete / delete \[\]: delete of a block from new\[\]
// expect-text: at operator new\[\]\(size_t\) \(heapguard\)
// expect-text: bug_cxx_new_array_delete\.cc:11\)
// expect-text: bug_cxx_new_array_delete\.cc:13\)
/* new[] then delete (not delete[]): the array's block goes to the wrong function.
   (Of elements without a destructor: new[] then puts no count before them, and the
   pointer is the block's start.) */

int main() {
  int *a = new int[10];
  a[9] = 9;
  delete a;                              // BUG: new[]'d, deleted with delete
  return 0;
}

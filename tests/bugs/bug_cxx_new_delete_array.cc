// expect-error: mismatched-free
// expect-text: Mismatched free\(\) / delete / delete \[\]: delete\[\] of a block from new
// expect-text: at operator delete\[\]\(void\*\) \(heapguard\)
// expect-text: at operator new\(size_t\) \(heapguard\)
// expect-text: bug_cxx_new_delete_array\.cc:10\)
// expect-text: bug_cxx_new_delete_array\.cc:12\)
/* new then delete[]: one object's block given to the array form. */

int main() {
  double *d = new double(2.5);
  double x = *d;
  delete[] d;                            // BUG: new'd, deleted with delete[]
  return x == 2.5 ? 0 : 1;
}

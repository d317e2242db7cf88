// expect-error: double-free
// env: HEAPGUARD_READ_INLINE_INFO=no
// expect-text: ^==[0-9]+==    by 0x[0-9a-f]+: main \(bug_inline_info_no\.c:12\)$
/* HEAPGUARD_READ_INLINE_INFO=no (--read-inline-info=no, as Valgrind's): a function
   inlined into its caller has no frame of its own in the report; its line is printed
   under the caller's name, as the symbol table knows only the caller. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((always_inline)) static inline void drop(void *p) {
  /* (the next line is the one expected) */
  free(p);
}

int main(void) {
  char *p = malloc(10);
  p[0] = 1;
  printf("%d\n", p[0]);
  drop(p);
  drop(p);
  return 0;
}

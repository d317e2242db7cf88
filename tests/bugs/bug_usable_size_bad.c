// expect-error: invalid-pointer
// expect-text: ERROR: invalid-pointer: malloc_usable_size\(0x[0-9a-f]+\) of a block that was already freed
// expect-text: ERROR: invalid-pointer: malloc_usable_size\(0x[0-9a-f]+\) of memory not allocated by malloc
// expect-text: bug_usable_size_bad\.c:17\)
// expect-text: bug_usable_size_bad\.c:19\)
/* malloc_usable_size() of a freed block and of a stack buffer: neither is a block the
   program owns (glibc's answer is garbage or a crash; heapguard's is 0).  The kind is
   invalid-pointer for both: a freed block's was "invalid-realloc" once, "double-free"
   after double deletes were put right, though nothing was freed twice. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  char *p = malloc(24);
  free(p);
  size_t after_free = malloc_usable_size(p);
  char buf[16];
  size_t on_stack = malloc_usable_size(buf);
  printf("%zu %zu\n", after_free, on_stack);
  return 0;
}

/* double_free.c — the seed's second deadly bug: freeing the same block twice.  In a
 * free-list allocator this corrupts the list (the next two mallocs may return the same
 * pointer).  heapguard keeps each block's state as one bit outside the block, sees
 * the bit already set, and stops the program with a one-line report (SIGABRT).
 * Build: gcc -g -o double_free double_free.c */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  int *p = malloc(sizeof(int));
  *p = 42;
  printf("freeing %p once\n", (void *)p);
  free(p);
  printf("freeing %p twice\n", (void *)p);
  free(p);   /* BUG: double free */
  printf("not reached under heapguard\n");
  return 0;
}

/* double_free.c — the seed's second deadly bug: freeing the same block twice.  In a
 * free-list allocator this corrupts the list (the next two mallocs may return the same
 * pointer).  heapguard keeps each block's state as one bit outside the block, sees
 * the bit already set, and stops the program with a one-line report (SIGABRT).  In
 * check mode (heapguard check -- ./double_free) the report names the stacks of both
 * frees and of the malloc, and the program goes on.
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
  printf("still running: only check mode reports a double free and goes on\n");
  return 0;
}

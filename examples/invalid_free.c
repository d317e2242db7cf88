/* invalid_free.c — free() of memory malloc never returned: a stack variable, and a
 * pointer into the middle of a block.  heapguard's page map knows every page it owns,
 * so a foreign or interior pointer is recognised, never trusted.
 * Build: gcc -g -o invalid_free invalid_free.c ; run with argument "stack" or "interior" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  int on_stack = 0;
  char *block = malloc(64);
  if (argc > 1 && strcmp(argv[1], "interior") == 0) {
    printf("freeing %p, 8 bytes into the block at %p\n", (void *)(block + 8), (void *)block);
    free(block + 8);   /* BUG: not the pointer malloc returned */
  } else {
    printf("freeing %p, a stack variable\n", (void *)&on_stack);
    free(&on_stack);   /* BUG: never allocated */
  }
  printf("not reached under heapguard\n");
  return 0;
}

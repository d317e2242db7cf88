/* heap_intro.c — the seed's first program: malloc(100), then the [heap] line of
 * /proc/self/maps.  You asked for 100 bytes; the allocator asked the kernel for far
 * more with brk, so that the next thousand small mallocs need no system call.
 * Build: gcc -g -o heap_intro heap_intro.c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  int *p = malloc(100);
  printf("malloc(100) returned: %p\n", (void *)p);

  printf("\nProcess maps (heap region):\n");
  FILE *f = fopen("/proc/self/maps", "r");
  char line[256];
  while (f && fgets(line, sizeof(line), f))
    if (strstr(line, "[heap]")) printf("  %s", line);
  if (f) fclose(f);

  free(p);
  return 0;
}

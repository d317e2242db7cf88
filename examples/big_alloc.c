/* big_alloc.c — a block above the mmap threshold (128 KiB by default) gets a mapping
 * of its own instead of heap memory, and free gives it straight back with munmap.
 * Run it under `strace -e trace=brk,mmap,munmap`, and again with
 * HEAPGUARD_MMAP_THRESHOLD=1M to see the 256 KiB block come from the heap instead.
 * Build: gcc -g -o big_alloc big_alloc.c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  char *small = malloc(100);
  char *big = malloc(256 * 1024);
  memset(big, 1, 256 * 1024);
  printf("malloc(100)        = %p\n", (void *)small);
  printf("malloc(256 * 1024) = %p  (%s)\n", (void *)big,
         (size_t)(big > small ? big - small : small - big) > ((size_t)1 << 32)
             ? "far from the heap: its own mapping" : "next to the heap");
  free(big);
  free(small);
  return 0;
}

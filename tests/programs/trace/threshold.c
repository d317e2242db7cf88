/* threshold.c — mallopt(M_MMAP_THRESHOLD, 1 MiB): a 256 KiB block then comes from the
 * heap, with no mapping of its own; a 2 MiB block still gets one. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  if (mallopt(M_MMAP_THRESHOLD, 1024 * 1024) != 1) return 1;
  char *mid = malloc(256 * 1024);
  memset(mid, 1, 256 * 1024);
  char *big = malloc(2 * 1024 * 1024);
  memset(big, 1, 4096);
  free(big);
  free(mid);
  return 0;
}

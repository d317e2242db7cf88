// expect-clean
/* Clean: under a limit on address space (RLIMIT_AS), a program that fills it with
 * millions of small blocks, frees them all, then allocates thousands of blocks of
 * other sizes must get them.  Check mode keeps the records of a span's slots in an array of the
 * span's length, recycled for spans of the same length: the freed records were all in
 * arrays of the small class's length, no new chunk of records could be mapped, and
 * malloc(1000) got NULL (blocks.c, array_longer). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "../common/vm_size.h"

#define MiB ((size_t)1 << 20)
#define MAX (8L << 20)

int main(void) {
  long **v = mmap(NULL, MAX * sizeof *v, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (v == MAP_FAILED) return 2;
  free(malloc(1000));
  if (limit_as(128 * MiB) != 0) return 2;
  long n = 0;
  errno = 0;
  while (n < MAX && (v[n] = malloc(8)) != NULL) {
    *v[n] = n;
    n++;
  }
  if (n == MAX || errno != ENOMEM) {
    fprintf(stderr, "%ld blocks, errno %d: the limit was not reached\n", n, errno);
    return 1;
  }
  long bad = 0;
  for (long i = 0; i < n; i++) bad += *v[i] != i;
  for (long i = 0; i < n; i++) free(v[i]);
  /* 5000 blocks of each of 20 sizes (16 B to 1 KiB): more records than the last
   * chunk has left, in arrays of other lengths than the 8-byte blocks' */
  int failed = 0;
  long m = 0;
  for (size_t size = 16; size <= 1024; size += size / 4)
    for (int i = 0; i < 5000; i++) {
      if ((v[m] = malloc(size)) == NULL) {
        fprintf(stderr, "after freeing %ld blocks, malloc(%zu) failed (%d of that size made)\n", n, size, i);
        failed++;
        break;
      }
      *v[m++] = (long)size;
    }
  for (long i = 0; i < m; i++) free(v[i]);
  if (bad) fprintf(stderr, "%ld blocks changed\n", bad);
  return bad || failed ? 1 : 0;
}

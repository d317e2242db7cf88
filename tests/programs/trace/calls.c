/* calls.c — a known sequence of allocation calls, for HEAPGUARD_TRACE_CALLS: the trace
 * must show exactly these calls, in this order, with these results (the program writes
 * the pointers it got to stdout, without stdio, which would allocate). */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
  char *a = malloc(100);
  char *b = calloc(10, 8);
  char *a2 = realloc(a, 1000);
  void *c = NULL;
  int r = posix_memalign(&c, 64, 100);
  void *d = aligned_alloc(4096, 5000);
  char *e = malloc(300000);
  void *f = memalign(64, 10);
  free(e);
  free(d);
  free(c);
  free(b);
  free(a2);
  free(f);
  free(NULL);   /* a call like any other: traced (ltrace shows it too) */
  char out[512];
  int n = snprintf(out, sizeof out, "a=%p b=%p a2=%p r=%d c=%p d=%p e=%p f=%p\n", (void *)a, (void *)b,
                   (void *)a2, r, c, d, (void *)e, f);
  if (write(1, out, (size_t)n) != n) return 1;
  return 0;
}

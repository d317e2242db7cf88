/* A daemon's start under the trace: every descriptor but 0, 1 and 2 closed
 * (close_range, as closefrom does: the trace file's and the copy of stderr among them),
 * up to 600 (or argv[2]) of its own opened on argv[1] (which must stay empty: the numbers the
 * trace's descriptors had, at 500 and up, or low ones under a small `ulimit -n`, among
 * them), then three 40 MiB blocks allocated and freed (a mapping each: an mmap and a
 * munmap line each).  The trace went on nowhere, silently, after the close, and once
 * the numbers were taken again into the program's file. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  int want = argc > 2 ? atoi(argv[2]) : 600;
  free(malloc(100));
  if (close_range(3, ~0U, 0) != 0)
    for (int fd = 3; fd < 4096; fd++) close(fd);
  int n = 0;
  while (n < want && open(argv[1], O_WRONLY | O_CREAT | O_APPEND, 0644) >= 0) n++;
  if (n == 0) return 1;
  for (size_t i = 1; i <= 3; i++) {
    char *p = malloc((size_t)40 << 20 | i << 12);
    if (!p) return 1;
    p[0] = 1;
    free(p);
  }
  puts("done");
  return 0;
}

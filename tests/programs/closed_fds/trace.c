/* A daemon's start under the trace: every descriptor but 0, 1 and 2 closed
 * (close_range, as closefrom does: the trace file's and the copy of stderr among them),
 * a file of its own opened (argv[1]: it must stay empty), then three 40 MiB blocks
 * allocated and freed (a mapping each: an mmap and a munmap line each).  The trace went
 * on nowhere, silently, after the close. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  free(malloc(100));
  if (close_range(3, ~0U, 0) != 0)
    for (int fd = 3; fd < 4096; fd++) close(fd);
  if (open(argv[1], O_WRONLY | O_CREAT | O_APPEND, 0644) < 0) return 1;
  for (size_t i = 1; i <= 3; i++) {
    char *p = malloc((size_t)40 << 20 | i << 12);
    if (!p) return 1;
    p[0] = 1;
    free(p);
  }
  puts("done");
  return 0;
}

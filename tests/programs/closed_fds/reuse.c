/* A daemon's start: every descriptor but 0, 1 and 2 closed (close_range, as closefrom
 * does), then up to 600 of its own opened on the data file argv[1] (the numbers of the
 * descriptors heapguard had made, at 500 and up, among them).  Then it overflows a
 * 24-byte block (reported at its free) and loses a 40-byte one (at exit).  It writes
 * nothing to the data file: closed_fds.sh checks that it stays empty. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *volatile keep;

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  if (close_range(3, ~0U, 0) != 0)
    for (int fd = 3; fd < 4096; fd++) close(fd);
  int n = 0;
  while (n < 600 && open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) >= 0) n++;
  keep = malloc(24);
  keep[24] = 1;   /* one byte past the end: reported at the free */
  free(keep);
  keep = malloc(40);
  memset(keep, 1, 40);
  keep = NULL;   /* lost */
  printf("%d descriptors open\n", n);
  return 0;
}

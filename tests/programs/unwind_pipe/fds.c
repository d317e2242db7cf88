/* fds.c — a program that puts its own files on descriptors 3 and 4 (as a shell's
 * `exec 3<in 4>out` does) and then allocates from frames without unwind tables (built
 * -fno-asynchronous-unwind-tables: libunwind falls back to the frame chain and checks
 * each address through its pipe).  Started with 3 and 4 closed.  Prints "free" for each
 * of 3 and 4 found closed at main's start, then copies its input (fd 3) to its output
 * (fd 4) after the allocations: the output must be the input, unchanged. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noinline)) static void *leaf(size_t n) { return malloc(n); }

__attribute__((noinline)) static void *middle(size_t n) {
  void *p = leaf(n);
  __asm__ volatile("" ::: "memory");   /* not a tail call: the frame stays */
  return p;
}

static void onto(const char *path, int flags, int fd) {
  int got = open(path, flags, 0644);
  if (got < 0 || (got != fd && (dup2(got, fd) != fd || close(got) != 0))) {
    perror(path);
    exit(2);
  }
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  /* (no stdio before the allocations below: its buffer's malloc would walk main's
   * frames first, and the walk that validates would come before the dup2s) */
  for (int fd = 3; fd <= 4; fd++) {
    const char *line = fcntl(fd, F_GETFD) < 0 ? "free\n" : "open\n";
    char num[3] = {(char)('0' + fd), ' ', 0};
    if (write(1, num, 2) != 2 || write(1, line, 5) != 5) return 5;
  }
  onto(argv[1], O_RDONLY, 3);
  onto(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 4);
  for (int i = 0; i < 200; i++) free(middle(16 + (size_t)i % 64));
  char buf[4096];
  ssize_t n;
  while ((n = read(3, buf, sizeof buf)) > 0)
    if (write(4, buf, (size_t)n) != n) return 3;
  if (n < 0 || close(3) != 0 || close(4) != 0) return 4;
  return 0;
}

/* df.c [--close-stderr] [--no-bug] [program args...] — a double free (unless --no-bug),
 * a 1 MiB block (a traced mmap and munmap), then, with a program, an exec of it: what
 * was written before the exec must survive the new image opening the same file
 * (log_file.sh).  --close-stderr first closes fd 2, as coreutils do on their way out. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int arg = 1;
  if (arg < argc && strcmp(argv[arg], "--close-stderr") == 0) {
    arg++;
    close(2);
  }
  if (arg < argc && strcmp(argv[arg], "--no-bug") == 0) {
    arg++;
  } else {
    char *volatile p = malloc(32);
    free(p);
    free(p);                                     /* BUG: double free */
  }
  void *big = malloc(1 << 20);
  free(big);
  if (arg < argc) {
    execv(argv[arg], argv + arg);
    return 127;
  }
  return 0;
}

/* Sampled guard mode loads libunwind at its first sample, not at start.
 *   probe never   mallocs and frees 10000 blocks (run with a rate that never samples),
 *                 then prints whether libunwind is mapped;
 *   probe first   prints whether libunwind is mapped, then takes a block (run with every
 *                 malloc sampled: the process's first sample), frees it and reads it: a
 *                 use after free, reported with both stacks.
 * The maps are read with open and read, and printed with write: stdio would malloc. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char maps[1 << 20];

static int unwinder_mapped(void) {
  int fd = open("/proc/self/maps", O_RDONLY);
  if (fd < 0) return -1;
  size_t len = 0;
  ssize_t r;
  while (len < sizeof maps - 1 && (r = read(fd, maps + len, sizeof maps - 1 - len)) > 0) len += (size_t)r;
  close(fd);
  maps[len] = 0;
  return strstr(maps, "libunwind") != NULL;
}

static void say(const char *s) {
  if (write(1, s, strlen(s)) < 0) _exit(3);
}

__attribute__((noinline)) static char *alloc_here(void) { return malloc(40); }
__attribute__((noinline)) static void free_here(char *p) { free(p); }

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  if (strcmp(argv[1], "never") == 0) {
    for (int i = 0; i < 10000; i++) {
      char *volatile p = malloc((size_t)(i % 512) + 1);
      p[0] = 1;
      free(p);
    }
    say(unwinder_mapped() ? "libunwind mapped\n" : "libunwind not mapped\n");
    return 0;
  }
  say(unwinder_mapped() ? "before: libunwind mapped\n" : "before: libunwind not mapped\n");
  char *p = alloc_here();
  p[0] = 1;
  free_here(p);
  volatile char c = p[0];   /* BUG */
  say(c ? "never printed\n" : "never printed either\n");
  return 0;
}

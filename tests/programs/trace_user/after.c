/* after [leak]: what `become` execs: a block big enough for a mapping of its own, so
 * its trace has a line of its own image (mmap, then munmap at free); with "leak", a
 * block it loses too (check mode's report of it opens the log file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *volatile lost;

__attribute__((noinline)) static void lose(void) {
  lost = malloc(64);
  lost = NULL;
}

int main(int argc, char **argv) {
  char *p = malloc(300000);
  if (!p) return 3;
  memset(p, 2, 300000);
  free(p);
  if (argc > 1 && strcmp(argv[1], "leak") == 0) lose();
  puts("allocated");
  return 0;
}

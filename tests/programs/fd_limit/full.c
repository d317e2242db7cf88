/* A program at its limit of open files: it lowers its soft RLIMIT_NOFILE to 3 (every
 * descriptor from 3 up refused: EMFILE; with the argument "hard", the hard limit too),
 * then overflows a block (reported at its free, the stack symbolised: libdw opens the
 * program's files) and loses a 40-byte block (the leak scan opens /proc/self/maps). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static char *volatile keep;

__attribute__((noinline)) static void overflow(void) {
  char *p = malloc(24);
  p[24] = 1;   /* one byte past the end */
  free(p);
}

int main(int argc, char **argv) {
  struct rlimit r;
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return 2;
  r.rlim_cur = 3;
  if (argc > 1 && strcmp(argv[1], "hard") == 0) r.rlim_max = 3;
  if (setrlimit(RLIMIT_NOFILE, &r) != 0) return 2;
  if (open("/dev/null", O_RDONLY) >= 0 || errno != EMFILE) return 3;   /* the limit holds */
  overflow();
  keep = malloc(40);
  memset(keep, 1, 40);
  keep = NULL;   /* lost */
  struct rlimit now;
  if (getrlimit(RLIMIT_NOFILE, &now) != 0 || now.rlim_cur != 3) {
    printf("the soft limit is %lu after the report, not 3\n", (unsigned long)now.rlim_cur);
    return 4;
  }
  return 0;
}

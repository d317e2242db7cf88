/* Sets O_NONBLOCK on its stderr (a pipe, as event loops do), fills the pipe until a
 * write would block, then leaks a 40-byte block and exits (or, with an argument,
 * frees a block twice).  heapguard's report comes after the fill, into the full pipe;
 * stderr_nonblock.sh starts reading only a second later. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *volatile keep;

int main(int argc, char **argv) {
  (void)argv;
  if (fcntl(2, F_SETFL, fcntl(2, F_GETFL) | O_NONBLOCK) != 0) return 2;
  char fill[4096];
  memset(fill, '.', sizeof fill);
  fill[sizeof fill - 1] = '\n';
  while (write(2, fill, sizeof fill) > 0) {}
  keep = malloc(40);
  memset(keep, 1, 40);
  if (argc > 1) {
    free(keep);
    free(keep);   /* the default mode's one-line message, then SIGABRT */
  }
  keep = NULL;   /* lost */
  return 0;
}

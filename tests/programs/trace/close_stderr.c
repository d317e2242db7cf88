/* close_stderr.c — the program closes its stderr (as coreutils do on their way out),
 * then allocates: the trace still reaches the original stderr. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  close(2);
  char *big = malloc(700 * 1024);
  memset(big, 1, 4096);
  free(big);
  return 0;
}

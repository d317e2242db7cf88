/* many.c [n] — n rounds (200) of a 1 MiB block mapped and unmapped (two traced kernel
 * calls, a traced malloc and free, and timeline samples as the mappings come and go),
 * a millisecond apart: enough output that a report file with little room left fills up
 * in the middle of the run (log_file.sh). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 200;
  for (int i = 0; i < n; i++) {
    char *volatile big = malloc(1 << 20);
    memset(big, i, 4096);
    free(big);
    usleep(1000);
  }
  return 0;
}

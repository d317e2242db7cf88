// expect-clean
// expect-status: 3
/* Clean: a program with no heap bug that exits with its own status, 3: check mode
   must not change it. */
#include <stdlib.h>
#include <string.h>

int main(void) {
  char *p = malloc(100);
  memset(p, 0, 100);
  free(p);
  exit(3);
}

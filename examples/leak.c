/* leak.c — the seed's fourth deadly bug, a memory leak in a loop: process_data()
 * allocates 1 MB, uses it, and returns without freeing it.  No pointer to the block
 * is left, so there is no way to free it: the process grows with every call (the
 * seed calls it 1000 times, 1 GB; ten calls are enough to see it).  At exit, check
 * mode scans the program's memory for pointers to each live block, like Valgrind's
 * leak check, and reports the blocks nothing points to, grouped by where they were
 * allocated.
 * Build: gcc -g -o leak leak.c ; run: heapguard check --leak-check=full -- ./leak */
#include <stdlib.h>
#include <string.h>

void process_data(void) {
  int *data = malloc(1024 * 1024);   /* 1 MB */
  memset(data, 0, 1024 * 1024);      /* ... use data ... */
  return;                            /* BUG: forgot to call free(data) */
}

int main(void) {
  for (int i = 0; i < 10; i++) process_data();
  return 0;
}

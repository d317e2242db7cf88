/* uaf_read.c — the seed's exercise, exactly: a use-after-free that READS the freed
 * block first ("What prints?"), then writes to it.  Run normally it prints 42 or some
 * leftover value and exits 0.  Check mode sees only the write (when the block leaves
 * the quarantine, or at exit); guard mode faults on the read itself, at the line
 * that does it, and shows where the block was allocated and freed.
 * Build: gcc -g -o uaf_read uaf_read.c ; run: heapguard guard -- ./uaf_read */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  int *p = malloc(sizeof(int));
  *p = 42;
  free(p);
  printf("After free: %d\n", *p);  /* BUG: reading freed memory. What prints? */
  *p = 99;                         /* BUG: writing to it */
  return 0;
}

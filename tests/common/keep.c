/* A program holding one block from its data segment alone, for the tests of check
   mode's leak scan without /proc/self/maps (tests/programs: no_proc.sh, which hides
   /proc, and maps_read_error.sh, which fails the file's reads): the block is reachable,
   not a leak, so a scan that lost its roots and called it "definitely lost" shows. */
#include <stdio.h>
#include <stdlib.h>
void *volatile kept;
int main(void) {
  kept = malloc(100);   /* reachable from the data segment: not a leak */
  puts(kept ? "allocated" : "no memory");
  return 0;
}

/* tune.c — for tests/programs/glibc_env.sh: what the allocator's tuning is, as glibc's
 * mallinfo2 shows it.  Prints "mapped N": N blocks of 200,000 bytes (of 3) got mappings
 * of their own (hblks: under the default 128 KiB threshold, all three; under one of
 * 256 KiB, or with no mapping allowed, none); then "again N": after they are freed,
 * whether another gets a mapping: not while the threshold is dynamic (a freed mapped
 * block raises it above its size), as it is until one of the mmap threshold, trim
 * threshold, top pad or mmap max is set. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *volatile sink;   /* the blocks escape: no compiler elides their malloc and free */

int main(void) {
  void *b[3];
  for (int i = 0; i < 3; i++) memset(sink = b[i] = malloc(200000), 1, 200000);
  printf("mapped %zu\n", mallinfo2().hblks);
  for (int i = 0; i < 3; i++) free(b[i]);
  void *again = sink = malloc(200000);
  printf("again %zu\n", mallinfo2().hblks);
  free(again);
  return 0;
}

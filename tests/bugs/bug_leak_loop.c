// expect-error: memory-leak
// expect-text: 10,?485,?760 bytes in 10 blocks are definitely lost
// expect-text: definitely lost: 10,?485,?760 bytes in 10 blocks
// expect-text: bug_leak_loop\.c:11\)
/* The seed's leak in a loop: process_data() allocates 1 MiB and returns without
   freeing it; called 10 times, 10 MiB are lost (the seed calls it 1000 times). */
#include <stdlib.h>
#include <string.h>

void process_data(void) {
  int *data = malloc(1024 * 1024);
  memset(data, 0, 1024 * 1024);          /* ... use data ... */
  return;                                /* BUG: forgot to call free(data) */
}

int main(void) {
  for (int i = 0; i < 10; i++) process_data();
  return 0;
}

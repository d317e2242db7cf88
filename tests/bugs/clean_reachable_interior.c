// expect-clean
// expect-text: possibly lost: 116 bytes in 1 blocks
/* Clean: a block reachable only through a pointer into its middle (a global points
   at the payload after a header).  "Possibly lost", as Valgrind says, which is not an
   error unless --errors-for-leak-kinds names it (heapguard's default: definite,
   indirect); it was counted "still reachable". */
#include <stdlib.h>
#include <string.h>

struct header { size_t length; long magic; };

char *payload;                           /* points 16 bytes into its block */

int main(void) {
  struct header *h = malloc(sizeof *h + 100);
  h->length = 100;
  h->magic = 0x1234;
  payload = (char *)(h + 1);
  memset(payload, 'p', 100);
  h = NULL;
  return payload[99] == 'p' ? 0 : 1;
}

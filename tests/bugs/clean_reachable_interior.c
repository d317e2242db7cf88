// expect-clean
/* Clean: a block reachable only through a pointer into its middle (a global points
   at the payload after a header).  Still reachable, not a leak.  (Valgrind calls
   such a block "possibly lost"; check mode counts interior pointers as references.) */
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

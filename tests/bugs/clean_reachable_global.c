// expect-clean
/* Clean: memory still reachable at exit is not a leak.  A global points to a list
   whose nodes point to each other and to their own buffers; nothing is freed. */
#include <stdlib.h>
#include <string.h>

struct node { struct node *next; char *name; };

struct node *registry;                   /* global root of everything below */

int main(void) {
  for (int i = 0; i < 5; i++) {
    struct node *n = malloc(sizeof *n);
    n->name = strcpy(malloc(32), "still reachable");
    n->next = registry;
    registry = n;
  }
  return 0;
}

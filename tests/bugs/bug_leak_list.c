// expect-error: memory-leak
// expect-text: bytes in 1 blocks are definitely lost
// expect-text: definitely lost: 16 bytes in 1 blocks
// expect-text: indirectly lost: 64 bytes in 4 blocks
// expect-text: bug_leak_list\.c:16\)
/* A leaked linked list: the last pointer to its head is dropped.  The head is
   definitely lost; the four nodes after it, reachable only from the head, are
   indirectly lost. */
#include <stdlib.h>

struct node { struct node *next; long value; };

struct node *make_list(int n) {
  struct node *head = NULL;
  for (int i = 0; i < n; i++) {
    struct node *node = malloc(sizeof *node);
    node->value = i;
    node->next = head;
    head = node;
  }
  return head;
}

int main(void) {
  struct node *list = make_list(5);
  list = NULL;                           /* BUG: the list is lost, never freed */
  return list != NULL;
}

/* leak_kinds/kinds.c — blocks of every kind at exit, from known functions, for
 * tests/programs/leak_kinds.sh:
 *   still reachable: 3 blocks of 100 bytes from hold_three (a global array points to
 *     them), 1 of 500 from hold_big;
 *   possibly lost: 1 of 64 from hold_inside, held only by a pointer into its middle;
 *   definitely lost: 1 block of 48 bytes from lose_list, the head of a list whose
 *   indirectly lost: 2 blocks of 32 bytes, from two other lines of lose_list.
 * With "reachable-only" as argument, only the reachable blocks. */
#include <stdlib.h>
#include <string.h>

struct node { struct node *next; char pad[24]; };

static void *three[3];
static void *big;
static char *inside;
static void *volatile sink;

__attribute__((noinline)) static void hold_three(void) {
  for (int i = 0; i < 3; i++) three[i] = malloc(100);
}

__attribute__((noinline)) static void hold_big(void) { big = malloc(500); }

__attribute__((noinline)) static void hold_inside(void) { inside = (char *)malloc(64) + 10; }

__attribute__((noinline)) static void lose_list(void) {
  struct node **head = malloc(48);
  memset(head, 0, 48);
  struct node *a = malloc(sizeof *a);
  struct node *b = malloc(sizeof *b);
  a->next = b;
  b->next = NULL;
  *head = a;
  sink = head;
  sink = NULL;   /* the last pointer to the head is gone */
}

int main(int argc, char **argv) {
  hold_three();
  hold_big();
  hold_inside();
  if (argc < 2 || strcmp(argv[1], "reachable-only") != 0) lose_list();
  return 0;
}

/* leak_kinds/possible.cc — for tests/programs/leak_kinds.sh: blocks held only through
 * pointers into their middle, and those Valgrind's heuristics take for pointers to the
 * start.  At exit (besides libstdc++'s own pool, still reachable):
 *   possibly lost: 116 bytes (a global points past its header), 64 bytes (a reachable
 *     block points into it), and 2 x 32 (a global points into the first of two list
 *     nodes: the second, reached by a pointer to its start from a possibly lost block,
 *     is possibly lost too): 244 bytes in 4 blocks;
 *   still reachable: 48 bytes held 8 bytes in, after the block's size less 8 (length64:
 *     SQLite's blocks), 28 bytes of a new[] array of 5 objects with a destructor, held
 *     after its element count (newarray), and the 8-byte block holding the pointer into
 *     the 64-byte one.
 * Valgrind 3.19 (--leak-check=full --show-leak-kinds=all) says the same. */
#include <cstdlib>

struct header { size_t length; long magic; };
struct obj { ~obj() {} int v; };
struct node { node *next; char pad[24]; };

char *payload, *len64, **chain, *through;
obj *array;

int main() {
  header *h = static_cast<header *>(malloc(sizeof *h + 100));
  payload = reinterpret_cast<char *>(h + 1);
  size_t *sized = static_cast<size_t *>(malloc(8 + 40));
  sized[0] = 40;
  len64 = reinterpret_cast<char *>(sized + 1);
  array = new obj[5];
  chain = static_cast<char **>(malloc(sizeof(char *)));
  chain[0] = static_cast<char *>(malloc(64)) + 9;
  node *a = static_cast<node *>(malloc(sizeof(node)));
  a->next = static_cast<node *>(malloc(sizeof(node)));
  a->next->next = nullptr;
  through = reinterpret_cast<char *>(a) + 16;
  return 0;
}

// expect-error: memory-leak
// expect-text: definitely lost: 16 bytes in 1 blocks
// expect-text: 4,?096 bytes in 1 blocks are indirectly lost
// expect-text: indirectly lost: 4,?096 bytes in 1 blocks
// expect-text: bug_leak_indirect\.c:16\)
/* A block whose only pointer lives in another leaked block: a buffer object (16
   bytes) holds the pointer to its 4 KiB data.  The object is definitely lost, the
   data indirectly lost. */
#include <stdlib.h>
#include <string.h>

struct buffer { char *data; size_t size; };

struct buffer *buffer_new(size_t size) {
  struct buffer *b = malloc(sizeof *b);
  b->data = malloc(size);
  b->size = size;
  memset(b->data, 0, size);
  return b;
}

int main(void) {
  struct buffer *b = buffer_new(4096);
  b = NULL;                              /* BUG: neither b nor b->data is freed */
  return b != NULL;
}

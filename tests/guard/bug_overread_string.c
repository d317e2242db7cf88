// expect-error: heap-buffer-overflow
// expect-text: ERROR: heap-buffer-overflow: READ past the end of a 16-byte block
// expect-text: (length|main) \(bug_overread_string\.c:14\)
// sampled: 99
/* The classic: a buffer of exactly strlen() bytes (no room for the terminator) read as
   a string.  Its size is a multiple of 16, so with the default alignment (16) it ends
   at the guard page and the read of the missing terminator faults. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t length(const char *s) {
  size_t n = 0;
  while (s[n]) n++;                 /* BUG */
  return n;
}

int main(void) {
  const char *word = "sixteen-letters!";
  char *copy = malloc(strlen(word));     /* BUG: no room for the '\0' */
  memcpy(copy, word, strlen(word));
  printf("%zu\n", length(copy));
  free(copy);
  return 0;
}

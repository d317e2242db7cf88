/* A shared library whose destructor runs after heapguard's in the loader's order (it
 * does not depend on the library, and is loaded after it: late_destructor.sh).  Its
 * constructor allocates a 100-byte block; its destructor frees it, and with
 * LATE_BUGS=1 in the environment first writes one byte past its end, then frees it a
 * second time and loses a 33-byte block. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *block;
static int bugs;

__attribute__((constructor)) static void start(void) {
  const char *b = getenv("LATE_BUGS");
  bugs = b && *b == '1';
  block = malloc(100);
}

__attribute__((destructor)) static void end(void) {
  if (bugs) block[100] = 1;   /* one byte past the end: found at the free */
  free(block);
  if (bugs) {
    free(block);   /* double free */
    char *volatile lost = malloc(33);
    memset(lost, 2, 33);
    lost = NULL;
  }
  static const char line[] = "destructor done\n";
  if (write(1, line, sizeof line - 1) < 0) _exit(3);
}

void late_use(void) { block[0] = 0; }

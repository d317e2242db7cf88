// expect-clean
/* Clean: a block reachable from a thread-local variable of the main thread at exit
   (a per-thread cache, as many libraries keep). */
#include <stdlib.h>
#include <string.h>

__thread char *thread_cache;

int main(void) {
  thread_cache = memset(malloc(256), 1, 256);
  return thread_cache[255] == 1 ? 0 : 1;
}

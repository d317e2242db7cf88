// expect-clean
// expect-status: 139
// sampled: 139
/* A fault that is not heapguard's, in a program without a handler, kills it with
   SIGSEGV as it would without heapguard (status 128 + 11 as the shell sees it). */
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>

int main(void) {
  char *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  signal(SIGSEGV, SIG_DFL);
  char *p = malloc(10);
  p[0] = page[0];
  return 0;
}

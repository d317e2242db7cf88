// expect-clean
/* Clean: fork while large freed blocks wait in the quarantine with their pages
   inaccessible (src/protect.h).  The child inherits them, pushes them out of its
   quarantine (making their pages usable again) and reuses the memory; so does the
   parent.  Both exit 0 (check mode would make either 99 on an error). */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "heapguard.h"

#pragma weak hg_check_heap

static int cycle(int rounds, int byte) {
  for (int i = 0; i < rounds; i++) {
    size_t n = (size_t)(1 + i % 3) << 20;
    char *p = malloc(n);
    if (!p) return 1;
    memset(p, byte, n);
    if (p[n - 1] != (char)byte) return 2;
    free(p);
  }
  return 0;
}

int main(void) {
  if (cycle(20, 1)) return 3;              /* some protected blocks now quarantined */
  pid_t pid = fork();
  if (pid < 0) return 4;
  if (pid == 0) {
    if (cycle(80, 2)) _exit(5);            /* > 64 MiB: every inherited block leaves */
    if (hg_check_heap && hg_check_heap() != 0) _exit(6);
    exit(0);
  }
  int bad = cycle(80, 3);
  int status;
  if (waitpid(pid, &status, 0) != pid) return 7;
  if (bad) return 8;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 9;
}

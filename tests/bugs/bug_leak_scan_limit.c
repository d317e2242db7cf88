// expect-error: memory-leak
// expect-text: definitely lost: 48 bytes in 1 blocks
/* A leak among a million live blocks, under a limit on address space (RLIMIT_AS) that
 * leaves the exit-time leak scan room for its stack of blocks to visit and its groups
 * (32 bytes a live block) and some to spare, as the scan has always needed: the leak is
 * reported, in the process and in a fork child (whose exit status, 99, the parent
 * checks).  The scan's marks went into a hash table of their own in every process
 * (18 to 36 bytes a live block more: 19 MiB here), and both said "leak check skipped:
 * no memory for the scan of 1000012 blocks" instead (leak.c: the table is for a fork
 * child, and a child that cannot map it marks the records). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/vm_size.h"

#define N 1000000
#define MiB ((size_t)1 << 20)

static void *keep[N];
void *volatile lost;

int main(void) {
  lost = malloc(48);
  memset(lost, 1, 48);
  for (long i = 0; i < N; i++)
    if ((keep[i] = malloc(16)) == NULL) return 2;
  /* the scan's stack (8 bytes a block) and groups (at most 32) and 6 MiB */
  if (limit_as(40 * (size_t)N + 6 * MiB) != 0) return 2;
  pid_t pid = fork();
  if (pid < 0) return 2;
  if (pid == 0) {
    lost = NULL;   /* the child's leak */
    exit(0);
  }
  int st;
  if (waitpid(pid, &st, 0) != pid) return 2;
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 99) {
    fprintf(stderr, "the fork child's status is %#x, not exit 99 (its leak reported)\n", st);
    abort();
  }
  lost = NULL;   /* the 48-byte block is lost */
  return 0;
}

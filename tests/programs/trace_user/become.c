/* become UID GID PROGRAM [ARG...]: allocates, becomes user UID (group GID), then execs
 * PROGRAM as that user in the same process, as runuser's and su's child does after the
 * parent forked it (tests/programs/trace_user.sh). */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  char *kept = malloc(200000);   /* a kernel call of the allocator's, traced as root */
  if (!kept) return 3;
  memset(kept, 1, 200000);
  free(kept);
  gid_t gid = (gid_t)atol(argv[2]);
  if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid((uid_t)atol(argv[1])) != 0) {
    perror("become");
    return 4;
  }
  execv(argv[3], argv + 3);
  perror("become: execv");
  return 5;
}

// expect-clean
/* Guard mode in a program that locks its memory (mlockall(MCL_CURRENT | MCL_FUTURE)):
 * a freed block's slot is retired by dropping its pages (MADV_DONTNEED), which the
 * kernel refuses for locked pages (EINVAL).  That killed the program ("madvise(...,
 * 4096) failed with error 22") as the first freed block left the quarantine; now the
 * slot is not kept as a spare, and the program runs on.  Where mlockall is refused
 * (no CAP_IPC_LOCK, RLIMIT_MEMLOCK too low), the blocks go through unlocked: clean. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) perror("mlockall (the test runs unlocked)");
  for (int i = 0; i < 3000; i++) {   /* well past the quarantine: slots are retired */
    char *p = malloc(100 + (size_t)i % 5000);
    memset(p, i, 100);
    free(p);
  }
  char *z = calloc(1, 4096);
  for (int i = 0; i < 4096; i++)
    if (z[i]) return 1;
  free(z);
  munlockall();
  puts("done");
  return 0;
}

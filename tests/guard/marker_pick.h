/* For the tests of guard pages kept inaccessible by guard markers (bug_overread_run,
   bug_overread_run_fork, bug_underflow_run): the warm-up, the reading of
   /proc/self/maps and the choice of a block whose guard page shows rw-p there (that
   is, a guard marker's page).  The blocks are allocated, and the bug done, in the test
   itself, so that the reports' stacks name the test's own lines. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N 32

static char maps[1 << 16];

/* The permissions of the mapping holding address a in maps, or "".  No stdio: it
   would allocate. */
static const char *perms_of(uintptr_t a) {
  for (char *line = maps; *line; line = strchr(line, '\n') + 1) {
    char *end;
    unsigned long lo = strtoul(line, &end, 16), hi = strtoul(end + 1, &end, 16);
    if (a >= lo && a < hi) return end + 1;
    if (!strchr(line, '\n')) break;
  }
  return "";
}

/* Enough samples of size-byte blocks that slots have come back out of the
   quarantine (the pool has 512 slots, the quarantine at most 256). */
static void warm_up(size_t size) {
  for (int i = 0; i < 1500; i++) {
    char *p = malloc(size);
    p[0] = (char)i;
    free(p);
  }
}

/* The index of the first of the n blocks q whose guard page, the one holding
   q[i] + off, is rw-p in /proc/self/maps (kept inaccessible by its guard marker), or 0
   if none is; said on stderr.  Exits with status 2 if the maps cannot be read. */
static int pick_marker_block(char *const *q, int n, ptrdiff_t off) {
  int fd = open("/proc/self/maps", O_RDONLY);
  if (fd < 0) exit(2);
  ssize_t got, len = 0;
  while ((got = read(fd, maps + len, sizeof maps - 1 - len)) > 0) len += got;
  close(fd);
  int pick = 0;
  for (int i = 0; i < n; i++)
    if (strncmp(perms_of((uintptr_t)q[i] + off), "rw", 2) == 0) {
      pick = i;
      break;
    }
  fprintf(stderr, "block %d, its guard page %s\n", pick,
          strncmp(perms_of((uintptr_t)q[pick] + off), "rw", 2) == 0 ? "rw-p (a guard marker's)" : "not rw");
  return pick;
}

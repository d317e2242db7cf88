// env: HEAPGUARD_GUARD_ALIGN=1
// expect-error: heap-buffer-overflow
// expect-text: ERROR: heap-buffer-overflow: READ past the end of a 96-byte block
// expect-text: Address 0x[0-9a-f]+ is 0 bytes after a block of size 96 alloc'd
// expect-text: at 0x[0-9a-f]+: main \(bug_overread_run_fork\.c:61\)
// expect-text: by 0x[0-9a-f]+: main \(bug_overread_run_fork\.c:44\)
// expect-text: ERROR SUMMARY: 1 errors from 1 contexts
// sampled: 99
/* bug_overread_run in a child: guard markers are kept across fork, so the child's
   overread past a block whose guard page is rw-p in /proc/self/maps (its guard marker
   keeps it inaccessible) faults at once too; the child reports, and the parent exits
   with its status. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

int main(void) {
  for (int i = 0; i < 1500; i++) {
    char *p = malloc(96);
    p[0] = (char)i;
    free(p);
  }
  char *q[N];
  for (int i = 0; i < N; i++) q[i] = memset(malloc(96), i, 96);
  int fd = open("/proc/self/maps", O_RDONLY);
  if (fd < 0) return 2;
  ssize_t got, len = 0;
  while ((got = read(fd, maps + len, sizeof maps - 1 - len)) > 0) len += got;
  close(fd);
  int pick = 0;
  for (int i = 0; i < N; i++)
    if (strncmp(perms_of((uintptr_t)(q[i] + 96)), "rw", 2) == 0) {   /* kept inaccessible by its guard marker */
      pick = i;
      break;
    }
  fprintf(stderr, "block %d, its guard page %s\n", pick,
          strncmp(perms_of((uintptr_t)(q[pick] + 96)), "rw", 2) == 0 ? "rw-p (a guard marker's)" : "not rw");
  pid_t pid = fork();
  if (pid < 0) return 2;
  if (pid == 0) {
    volatile char c = q[pick][96];               /* BUG */
    printf("never printed %d\n", c);
    exit(0);
  }
  int status;
  if (waitpid(pid, &status, 0) != pid) return 2;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

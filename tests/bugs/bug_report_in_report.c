// expect-error: heap-use-after-free
// expect-text: ERROR: heap-use-after-free: write to a 16-byte block after it was freed
// expect-text: by 0x[0-9a-f]+: main \(bug_report_in_report\.c:43\)
// expect-text: ^==[0-9]+==    \(found when the block left the quarantine, by heapguard's own free while it printed an earlier report\)$
// expect-text: ERROR SUMMARY: 600 errors from
// env: HEAPGUARD_QUARANTINE=16K
/* Reports found while a report is printed: the first report symbolises its stacks, and
   the symboliser's own frees push more of the written-after-free blocks out of the
   (small) quarantine.  Their reports must come after that report, each whole, saying
   how they were found, not printed in the middle of it with "(no stack recorded)".
   Every block is written right after its free, so the quarantine holds only written
   blocks, whatever its length in blocks; three allocation sites make three contexts,
   each reported once, and every block is found (600 errors): held back in the
   quarantine while the findings waiting for the report's end fill their room, none is
   lost.  At the end the program reads its own report (the log file run.sh
   names) and checks its shape: each ERROR line is followed by its whole report (one
   " Address" line, one "Block was alloc'd at", no "(no stack recorded)"); a bad shape
   kills it (status 137, the reasons on stderr). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N 600

static int bad;
static void wrong(const char *what, int line) {
  fprintf(stderr, "report line %d: %s\n", line, what);
  bad = 1;
}

int main(void) {
  static char *blocks[N];
  for (int i = 0; i < N; i += 3) {
    blocks[i] = malloc(16);
    blocks[i + 1] = malloc(16);
    blocks[i + 2] = malloc(16);
  }
  /* Once the quarantine is full each free pushes out the oldest block, written: the
     first report, whose symbolisation pushes out more. */
  for (int i = 0; i < N; i++) {
    free(blocks[i]);
    blocks[i][3] = 'x';   /* BUG: after free */
  }

  const char *pattern = getenv("HEAPGUARD_LOG_FILE");   /* "...%p" */
  if (!pattern) return 0;
  char path[4096];
  const char *p = strstr(pattern, "%p");
  if (!p) snprintf(path, sizeof path, "%s", pattern);
  else snprintf(path, sizeof path, "%.*s%d%s", (int)(p - pattern), pattern, (int)getpid(), p + 2);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  char line[4096];
  int n = 0, errors = 0, in_report = 0, addresses = 0, origins = 0;
  while (fgets(line, sizeof line, f)) {
    n++;
    const char *text = strstr(line, "== ");
    if (!text) continue;
    text += 3;
    int report_line = text[0] == ' ';
    if (!report_line || strncmp(text, "ERROR:", 6) == 0) {
      if (in_report && (addresses != 1 || origins != 1)) wrong("the report before does not end whole", n);
      in_report = strncmp(text, "ERROR:", 6) == 0;
      errors += in_report;
      addresses = origins = 0;
      continue;
    }
    if (!in_report) continue;
    if (strncmp(text, " Address ", 9) == 0) addresses++;
    if (strncmp(text, " Block was alloc'd at", 21) == 0) origins++;
    if (strstr(text, "(no stack recorded)")) wrong("no stack recorded", n);
  }
  if (in_report && (addresses != 1 || origins != 1)) wrong("the last report is not whole", n);
  fclose(f);
  if (errors < 4) {
    fprintf(stderr, "%d reports, expected at least 4: the first, then one for each allocation site\n", errors);
    bad = 1;
  }
  if (bad) raise(SIGKILL);
  return 0;
}

// expect-clean
/* Big blocks cost what glibc's cost: nothing until used.  calloc(1 GiB) into heap
 * pages a freed block left dirty (glibc: a fresh mapping) and memalign(1 GiB, 100)
 * must not fault their gigabyte in.  Check mode wrote all of it: the zeroing (30 s and
 * 16 GiB resident for a calloc of 16 GiB, found by tests/programs/glibc_diff.sh) and
 * the left redzone, which is the redzone rounded up to the alignment (1 GiB written,
 * and read back at free).  Guard mode zeroed its fresh pages too
 * (tests/guard/clean_big_untouched.c). */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GiB ((size_t)1 << 30)

static long resident_mib(void) {
  long size, resident;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f || fscanf(f, "%ld %ld", &size, &resident) != 2) { perror("/proc/self/statm"); exit(2); }
  fclose(f);
  return resident * sysconf(_SC_PAGESIZE) >> 20;
}

static int bad;
static void grew(const char *what, long before) {
  long now = resident_mib();
  printf("%s: %ld MiB resident more\n", what, now - before);
  if (now - before > 256) bad = 1;
}

int main(void) {
  /* a gigabyte of heap, its first MiB written, freed: dirty pages for the next one */
  char *p = malloc(GiB);
  if (!p) { puts("no memory"); return 0; }
  memset(p, 0xab, 1 << 20);
  free(p);
  long before = resident_mib();
  char *c = calloc(1, GiB);
  if (!c) { puts("no memory"); return 0; }
  grew("calloc(1 GiB)", before);
  for (size_t i = 0; i < GiB; i += 4093 * 7)
    if (c[i]) { printf("calloc'd byte %zu is %#x\n", i, c[i]); bad = 1; break; }
  if (c[GiB - 1]) { puts("calloc'd last byte is not 0"); bad = 1; }
  free(c);
  before = resident_mib();
  char *a = memalign(GiB, 100);
  if (!a) { puts("no memory"); return 0; }
  memset(a, 1, 100);
  grew("memalign(1 GiB, 100)", before);
  free(a);
  return bad;
}

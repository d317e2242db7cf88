// expect-clean
/* Clean: libc allocating for the program and for itself: strdup, asprintf, getline,
   open_memstream, qsort of a large array (qsort mallocs its buffer), stdio buffers,
   localtime (time zone data).  The program frees what it owns; libc's own blocks stay
   reachable from libc's data until exit. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

int main(void) {
  char *s = strdup("hello"), *t = strndup("heapguard", 4), *msg = NULL;
  if (asprintf(&msg, "%s %s %d", s, t, 42) < 0) return 1;

  FILE *f = tmpfile();                   /* stdio buffer, getline's buffer */
  if (!f) return 1;
  fprintf(f, "line one\nline two\n");
  rewind(f);
  char *line = NULL;
  size_t cap = 0;
  int lines = 0;
  while (getline(&line, &cap, f) > 0) lines++;
  free(line);
  fclose(f);

  char *mem = NULL;
  size_t memlen = 0;
  FILE *ms = open_memstream(&mem, &memlen);
  fprintf(ms, "%s (%d lines)", msg, lines);
  fclose(ms);

  int n = 100000, *a = malloc(n * sizeof *a);
  for (int i = 0; i < n; i++) a[i] = (i * 7919) % n;
  qsort(a, n, sizeof *a, cmp);

  time_t now = time(NULL);
  struct tm *tm = localtime(&now);
  printf("%s, sorted=%d, year %d\n", mem, a[0] == 0 && a[n - 1] == n - 1, tm->tm_year + 1900);

  free(a);
  free(mem);
  free(msg);
  free(t);
  free(s);
  return 0;
}

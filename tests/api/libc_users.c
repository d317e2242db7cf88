/* glibc's own users of malloc go to the same allocator as the program: blocks returned
 * by strdup, strndup, getline, getdelim, asprintf, open_memstream, realpath, getcwd,
 * scandir and friends are freed with free() and have a sane malloc_usable_size; fopen/
 * fclose (stdio buffers), qsort on big arrays (its merge buffer), regcomp, setenv,
 * tmpfile, opendir and localtime allocate internally and must simply work.
 */
#define _GNU_SOURCE
#include "check.h"

#include <dirent.h>
#include <limits.h>
#include <malloc.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

struct rec { uint64_t key; char pad[40]; };
static int cmp_rec(const void *a, const void *b) {
  uint64_t x = ((const struct rec *)a)->key, y = ((const struct rec *)b)->key;
  return x < y ? -1 : x > y;
}

/* a block from libc: usable size covers it, it is writable, free() takes it */
static void libc_block(void *p, size_t n, const char *what) {
  if (!CHECKF(p != NULL, "%s returned NULL", what)) return;
  CHECKF(malloc_usable_size(p) >= n, "%s: malloc_usable_size %zu < %zu", what,
         malloc_usable_size(p), n);
  memset(p, 0x77, n);
  free(p);
}

static void strings(void) {
  const char *s = "a string copied by glibc";
  for (int i = 0; i < 1000; i++) {
    char *d = strdup(s);
    if (!CHECK_NONNULL(d)) break;
    CHECK(strcmp(d, s) == 0);
    libc_block(d, strlen(s) + 1, "strdup");
  }
  char *n = strndup(s, 8);
  if (CHECK_NONNULL(n)) CHECK(strcmp(n, "a string") == 0);
  libc_block(n, 9, "strndup");

  static char big[100001];
  memset(big, 'x', sizeof big - 1);
  char *d = strdup(big);
  if (CHECK_NONNULL(d)) CHECK(strlen(d) == sizeof big - 1);
  libc_block(d, sizeof big, "strdup(100000 chars)");

  char *a = NULL;
  int len = asprintf(&a, "%d-%s-%0500d", 42, s, 7);
  CHECK(len == 2 + 1 + (int)strlen(s) + 1 + 500);
  if (len > 0) libc_block(a, (size_t)len + 1, "asprintf");
  len = asprintf(&a, "%s%s%s", big, big, big);
  CHECK_EQ(len, 3 * 100000);
  if (len > 0) libc_block(a, (size_t)len + 1, "asprintf(300000 chars)");
}

static void stdio(void) {
  char path[] = "/tmp/heapguard-libc-users-XXXXXX";
  int fd = mkstemp(path);
  if (!CHECK(fd >= 0)) return;
  close(fd);
  FILE *f = fopen(path, "w");
  if (!CHECK_NONNULL(f)) return;
  for (int i = 0; i < 2000; i++) fprintf(f, "line %d %.*s\n", i, i % 300, "");
  fputs("no newline at the end", f);
  CHECK_EQ(fclose(f), 0);

  for (int round = 0; round < 50; round++) { /* stdio buffers allocated and freed */
    f = fopen(path, "r");
    if (!CHECK_NONNULL(f)) break;
    CHECK(fgetc(f) == 'l');
    CHECK_EQ(fclose(f), 0);
  }

  f = fopen(path, "r");
  if (CHECK_NONNULL(f)) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int lines = 0;
    while ((got = getline(&line, &cap, f)) > 0) {
      lines++;
      CHECK(cap >= (size_t)got + 1);
      CHECK(malloc_usable_size(line) >= cap);
    }
    CHECK_EQ(lines, 2001);
    libc_block(line, cap, "getline");
    rewind(f);
    line = NULL;
    cap = 0;
    got = getdelim(&line, &cap, 0, f); /* whole file */
    CHECK(got > 10000);
    libc_block(line, cap, "getdelim");
    CHECK_EQ(fclose(f), 0);
  }

  char *buf = NULL;
  size_t size = 0;
  FILE *m = open_memstream(&buf, &size);
  if (CHECK_NONNULL(m)) {
    for (int i = 0; i < 10000; i++) fprintf(m, "%d,", i);
    CHECK_EQ(fclose(m), 0);
    CHECK(size > 40000 && strncmp(buf, "0,1,2,", 6) == 0);
    libc_block(buf, size + 1, "open_memstream");
  }

  FILE *t = tmpfile();
  if (CHECK_NONNULL(t)) {
    CHECK(fputs("temporary", t) >= 0);
    CHECK_EQ(fclose(t), 0);
  }
  unlink(path);
}

static void sorting(void) {
  /* big enough that glibc's qsort mallocs a merge buffer */
  enum { N = 1 << 20 };
  uint32_t *v = malloc(N * sizeof *v);
  if (!CHECK_NONNULL(v)) return;
  hg_rng r = {3};
  for (int i = 0; i < N; i++) v[i] = (uint32_t)hg_next(&r);
  qsort(v, N, sizeof *v, cmp_u32);
  int bad = 0;
  for (int i = 1; i < N; i++) bad += v[i - 1] > v[i];
  CHECK_EQ(bad, 0);
  free(v);

  enum { M = 200000 };
  struct rec *recs = calloc(M, sizeof *recs);
  if (!CHECK_NONNULL(recs)) return;
  for (int i = 0; i < M; i++) recs[i].key = hg_next(&r) % 1000;
  qsort(recs, M, sizeof *recs, cmp_rec);
  bad = 0;
  for (int i = 1; i < M; i++) bad += recs[i - 1].key > recs[i].key;
  CHECK_EQ(bad, 0);
  free(recs);
}

static int not_hidden(const struct dirent *d) { return d->d_name[0] != '.'; }

static void misc(void) {
  char *cwd = getcwd(NULL, 0);
  if (CHECK_NONNULL(cwd)) libc_block(cwd, strlen(cwd) + 1, "getcwd(NULL, 0)");

  char *rp = realpath("/usr/../usr/lib", NULL);
  if (CHECK_NONNULL(rp)) {
    CHECK(strcmp(rp, "/usr/lib") == 0);
    libc_block(rp, strlen(rp) + 1, "realpath");
  }

  struct dirent **list = NULL;
  int n = scandir("/usr/lib", &list, not_hidden, alphasort);
  CHECK(n > 0);
  for (int i = 0; i < n; i++) libc_block(list[i], 1, "scandir entry");
  if (n >= 0) libc_block(list, (size_t)n * sizeof *list, "scandir list");

  for (int round = 0; round < 20; round++) {
    DIR *d = opendir("/usr/lib");
    if (!CHECK_NONNULL(d)) break;
    int entries = 0;
    while (readdir(d)) entries++;
    CHECK(entries > 2);
    CHECK_EQ(closedir(d), 0);
  }

  regex_t re;
  if (CHECK_EQ(regcomp(&re, "^heap(guard)?-[0-9]+\\.[a-z]*$", REG_EXTENDED), 0)) {
    CHECK_EQ(regexec(&re, "heapguard-12.c", 0, NULL, 0), 0);
    CHECK(regexec(&re, "heap-x", 0, NULL, 0) != 0);
    regfree(&re);
  }

  for (int i = 0; i < 200; i++) {
    char name[32], value[64];
    snprintf(name, sizeof name, "HG_TEST_VAR_%d", i % 20);
    snprintf(value, sizeof value, "value-%d-%0*d", i, i % 40, 0);
    CHECK_EQ(setenv(name, value, 1), 0);
    const char *got = getenv(name);
    CHECK(got && strcmp(got, value) == 0);
  }
  for (int i = 0; i < 20; i++) {
    char name[32];
    snprintf(name, sizeof name, "HG_TEST_VAR_%d", i);
    CHECK_EQ(unsetenv(name), 0);
  }

  time_t t = 86400 * 365;
  struct tm tm;
  CHECK_NONNULL(localtime_r(&t, &tm));
  char when[64];
  CHECK(strftime(when, sizeof when, "%Y-%m-%d", gmtime_r(&t, &tm)) > 0);
  CHECK(strcmp(when, "1971-01-01") == 0);
}

int main(void) {
  strings();
  stdio();
  sorting();
  misc();
  return check_finish();
}

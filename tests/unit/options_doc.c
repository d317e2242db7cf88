/* options_doc.c — every option in the table (src/options.h) is documented in the
 * README's options table, with its default, and the README names no option that does
 * not exist. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

static char *slurp(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  static char buf[1 << 20];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

int main(void) {
  const char *root = getenv("HG_ROOT");
  char path[4096];
  snprintf(path, sizeof path, "%s/README.md", root ? root : ".");
  char *readme = slurp(path);
  if (!readme) { fprintf(stderr, "cannot read %s\n", path); return 1; }
  int bad = 0;
  const char *names[] = {
#define X(field, env, type, def, doc) #env,
    HG_OPTIONS(X)
#undef X
  };
  const size_t defaults[] = {
#define X(field, env, type, def, doc) (size_t)(def),
    HG_OPTIONS(X)
#undef X
  };
  const int is_size[] = {
#define X(field, env, type, def, doc) sizeof(#type) == sizeof("size"),
    HG_OPTIONS(X)
#undef X
  };
  size_t count = sizeof names / sizeof *names;
  for (size_t i = 0; i < count; i++) {
    char row[128], def[32];
    size_t d = defaults[i];
    if (is_size[i] && d && d % (1024 * 1024) == 0) snprintf(def, sizeof def, "%zuM", d >> 20);
    else if (is_size[i] && d && d % 1024 == 0) snprintf(def, sizeof def, "%zuK", d >> 10);
    else snprintf(def, sizeof def, "%zu", d);
    snprintf(row, sizeof row, "| `HEAPGUARD_%s` | %s |", names[i], def);
    if (!strstr(readme, row)) { fprintf(stderr, "README has no table row \"%s\" (name and default)\n", row); bad = 1; }
  }
  /* every HEAPGUARD_X the README mentions exists */
  for (const char *p = readme; (p = strstr(p, "HEAPGUARD_")) != NULL; p++) {
    const char *q = p + 10;
    size_t len = strspn(q, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");
    if (len == 0) continue;
    int found = 0;
    for (size_t i = 0; i < count; i++)
      if (strlen(names[i]) == len && strncmp(names[i], q, len) == 0) found = 1;
    if (!found) { fprintf(stderr, "README mentions HEAPGUARD_%.*s, which is not an option\n", (int)len, q); bad = 1; }
  }
  if (!bad) printf("%zu options documented\n", count);
  return bad;
}

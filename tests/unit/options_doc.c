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
  unsigned count = hg_options_count();
  for (unsigned i = 0; i < count; i++) {
    char row[128], def[32];
    hg_options_default_text(i, def, sizeof def);
    snprintf(row, sizeof row, "| `HEAPGUARD_%s` | %s |", hg_options_name(i), def);
    if (!strstr(readme, row)) { fprintf(stderr, "README has no table row \"%s\" (name and default)\n", row); bad = 1; }
  }
  /* every HEAPGUARD_X the README mentions exists */
  for (const char *p = readme; (p = strstr(p, "HEAPGUARD_")) != NULL; p++) {
    const char *q = p + 10;
    size_t len = strspn(q, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");
    if (len == 0) continue;
    int found = 0;
    for (unsigned i = 0; i < count; i++)
      if (strlen(hg_options_name(i)) == len && strncmp(hg_options_name(i), q, len) == 0) found = 1;
    if (!found) { fprintf(stderr, "README mentions HEAPGUARD_%.*s, which is not an option\n", (int)len, q); bad = 1; }
  }
  if (!bad) printf("%u options documented\n", count);
  return bad;
}

/* suppressions.c — check --suppressions=FILE before the program runs: the library's
 * own parser (supp_parse.h), so a file the CLI accepts is one the library loads, and a
 * bad one stops here, status 2, with its file:line, rather than be left out in the
 * program with one line among its output. */
#include "cli.h"
#include "../supp_parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void cli_check_suppressions(const char *path) {
  if (strchr(path, ':'))
    cli_fail("%s: a suppression file's name cannot hold ':' (HEAPGUARD_SUPPRESSIONS separates "
             "files with it)", path);
  FILE *f = fopen(path, "r");
  struct stat st;
  if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
    cli_fail("%s: cannot read the suppression file: %s", path,
             !f ? strerror(errno) : S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file");
  size_t size = (size_t)st.st_size;
  char *text = malloc(size + 1);
  if (!text || fread(text, 1, size, f) != size)
    cli_fail("%s: cannot read the suppression file: %s", path, text ? strerror(errno ? errno : EIO) : strerror(ENOMEM));
  fclose(f);
  size_t lines = hg_supp_lines(text, size);
  struct hg_supp_parse p = { .supps = calloc(lines, sizeof *p.supps), .frames = calloc(lines, sizeof *p.frames) };
  if (!p.supps || !p.frames) cli_fail("%s: cannot read the suppression file: %s", path, strerror(ENOMEM));
  if (!hg_supp_parse(text, size, &p)) cli_fail("%s:%u: %s: '%s'", path, p.err_line, p.err, p.err_text);
  free(p.supps);
  free(p.frames);
  free(text);
}

/* children.c — HEAPGUARD_CHILDREN=no (`--trace-children=no`): the programs this process
 * runs run without heapguard.
 *
 * heapguard reaches a program through its environment: LD_PRELOAD names the library,
 * HEAPGUARD_* set its mode and options, and every program started inherits both.  So at
 * the process's start (the library's constructor, before main) the library takes itself
 * out of the environment: its entries of LD_PRELOAD (the others kept, in their order;
 * the variable dropped if none is left) and every HEAPGUARD_ variable but
 * HEAPGUARD_LIB (the command line's, for a `heapguard` the program runs itself).  An
 * exec'd program then starts as it would without heapguard, and a program that links
 * heapguard itself runs in its default mode.
 *
 * In place, in the process's own environment: the array environ points to and its
 * strings are the process's (on its stack as the kernel built them, or libc's after a
 * setenv), writable, and nothing allocates here.  The array is edited as unsetenv does
 * (later entries moved down, the end filled with NULL), so main's envp, the same array,
 * sees the edit too, and a program that passes its envp to execve passes the edited
 * one.  A string is only shortened, never moved: the options point into the values of
 * the HEAPGUARD_ strings (options.h), which stay where they are.  Before main the
 * process has one thread, so no getenv runs meanwhile.  What is not edited: a copy of
 * the environment made before this constructor ran (another library's constructor), or
 * an environment a program builds for its children from something else; those
 * children are followed. */
#define _GNU_SOURCE
#include "init.h"

#include <dlfcn.h>
#include <string.h>
#include <sys/stat.h>

#include "options.h"

extern char **environ;

/* The file this library was loaded from, to tell its LD_PRELOAD entries from others. */
struct own {
  struct stat st;
  bool have_st;
  const char *base;   /* its last path component ("libheapguard.so"), or NULL */
};

static const char *last_component(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

/* Whether LD_PRELOAD's entry s[0..len) loads this library: the same file, or with no
 * '/' (ld.so searches the library path for it) the same name; or a file named
 * libheapguard.so, heapguard's installed name (another copy of it, or in a program
 * linked statically with heapguard, which is not a shared object). */
static bool is_ours(const char *s, size_t len, const struct own *own) {
  char path[4096];
  if (len >= sizeof path) return false;   /* ld.so skips it too */
  memcpy(path, s, len);
  path[len] = '\0';
  const char *base = last_component(path);
  if (strcmp(base, "libheapguard.so") == 0) return true;
  if (!memchr(s, '/', len)) return own->base && strcmp(path, own->base) == 0;
  struct stat st;
  return own->have_st && stat(path, &st) == 0 && st.st_dev == own->st.st_dev && st.st_ino == own->st.st_ino;
}

/* The length of the LD_PRELOAD entry at s: ld.so splits the list at spaces and colons.
 * (strcspn would be one import more, whose lookup and IFUNC resolver every process
 * that loads the library pays at start: 1,300 instructions.) */
static size_t entry_length(const char *s) {
  size_t n = 0;
  while (s[n] && s[n] != ' ' && s[n] != ':') n++;
  return n;
}

/* LD_PRELOAD's value v without our entries, in place; the kept ones keep the separator
 * before them.  Returns whether any entry is left. */
static bool strip_preload(char *v, const struct own *own) {
  char *w = v;
  for (char *r = v; *r;) {
    size_t len = entry_length(r);
    if (len && !is_ours(r, len, own)) {
      char sep = r > v ? r[-1] : ':';   /* read before w may write over it */
      if (w > v) *w++ = sep;
      memmove(w, r, len);
      w += len;
    }
    r += len;
    if (*r) r++;
  }
  *w = '\0';
  return w > v;
}

static bool starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

void hg_children_leave(void) {
  if (!environ) return;
  struct own own = { .have_st = false, .base = NULL };
  Dl_info info;
  if (dladdr((void *)hg_children_leave, &info) && info.dli_fname && info.dli_fname[0]) {
    own.have_st = stat(info.dli_fname, &own.st) == 0;
    own.base = last_component(info.dli_fname);
  }
  for (char **e = environ; *e;) {
    bool drop;
    if (starts(*e, "LD_PRELOAD=")) drop = !strip_preload(*e + strlen("LD_PRELOAD="), &own);
    else drop = starts(*e, "HEAPGUARD_") && !starts(*e, "HEAPGUARD_LIB=");
    if (!drop) {
      e++;
      continue;
    }
    for (char **p = e; (p[0] = p[1]) != NULL; p++) continue;   /* as unsetenv: ends NULL, twice */
  }
}

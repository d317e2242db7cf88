/* maps.c — reading /proc/self/maps line by line into a fixed buffer (see maps.h). */
#include "maps.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static uintptr_t hex(const char **sp) {
  uintptr_t v = 0;
  for (const char *s = *sp;; s++) {
    char c = *s;
    unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 16;
    if (d == 16) {
      *sp = s;
      return v;
    }
    v = v * 16 + d;
  }
}

/* "start-end perms offset dev inode   path" */
static bool parse_line(char *line, struct hg_mapping *m) {
  const char *s = line;
  m->start = hex(&s);
  if (*s++ != '-') return false;
  m->end = hex(&s);
  if (*s++ != ' ' || strlen(s) < 4) return false;
  m->readable = s[0] == 'r';
  m->writable = s[1] == 'w';
  m->executable = s[2] == 'x';
  m->shared = s[3] == 's';
  m->offset = 0;
  m->dev = m->inode = 0;
  for (int field = 0; field < 4 && *s; field++) {   /* perms, offset, dev, inode */
    while (*s && *s != ' ') s++;
    while (*s == ' ') s++;
    if (field == 0) m->offset = hex(&s);
    if (field == 1) {   /* "major:minor", in hex */
      m->dev = hex(&s) << 32;
      if (*s == ':') s++, m->dev |= hex(&s);
    }
    if (field == 2)   /* in decimal */
      for (; *s >= '0' && *s <= '9'; s++) m->inode = m->inode * 10 + (uint64_t)(*s - '0');
  }
  m->path = s;
  return true;
}

bool hg_maps_each(bool (*fn)(const struct hg_mapping *m, void *arg), void *arg) {
  int fd = hg_sys_open("/proc/self/maps", O_RDONLY | O_CLOEXEC);   /* internal.h */
  uint64_t limit;
  if (fd < 0 && errno == EMFILE && hg_files_raise(&limit)) {
    fd = hg_sys_open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    hg_files_restore(limit);
  }
  if (fd < 0) return false;   /* (errno: the open's) */
  char buf[4096 + 256];   /* one line at least: a path of PATH_MAX, its fields and " (deleted)" */
  size_t len = 0;
  bool go = true, whole = true;
  while (go) {
    long n = hg_sys_read(fd, buf + len, sizeof buf - 1 - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {   /* the mappings after those seen are unknown: as if none could be read */
      whole = false;
      break;
    }
    len += (size_t)n;
    buf[len] = '\0';
    char *line = buf, *nl;
    while (go && (nl = memchr(line, '\n', len - (size_t)(line - buf))) != NULL) {
      *nl = '\0';
      struct hg_mapping m;
      if (parse_line(line, &m)) go = fn(&m, arg);
      line = nl + 1;
    }
    size_t rest = len - (size_t)(line - buf);
    if (go && rest == sizeof buf - 1) {   /* a line longer than the buffer: not a mapping's (a path is at most 4 KiB) */
      whole = false;
      break;
    }
    if (n == 0) {   /* end of file: a last line without its newline */
      if (go && rest) {
        struct hg_mapping m;
        if (parse_line(line, &m)) fn(&m, arg);
      }
      break;
    }
    memmove(buf, line, rest);
    len = rest;
  }
  hg_sys_close(fd);
  return whole;
}

struct find_arg {
  uintptr_t a;
  struct hg_mapping *m;
  char *path;
  size_t size;
  bool found;
};

static bool find_one(const struct hg_mapping *m, void *arg) {
  struct find_arg *f = arg;
  if (f->a < m->start || f->a >= m->end) return f->a >= m->end;   /* stop once past it */
  *f->m = *m;
  size_t n = strlen(m->path);
  if (n >= f->size) n = f->size - 1;
  memcpy(f->path, m->path, n);
  f->path[n] = '\0';
  f->m->path = f->path;
  f->found = true;
  return false;
}

int hg_maps_find(uintptr_t a, struct hg_mapping *m, char *path, size_t size) {
  struct find_arg f = { a, m, path, size, false };
  bool read = hg_maps_each(find_one, &f);
  return f.found ? 1 : read ? 0 : -1;
}

/* report.c — output without libc: a tiny formatter and the fatal-error path.
 *
 * Everything here runs inside malloc, possibly while a lock is held or while libc's
 * stdio is in an inconsistent state, so it formats into a stack buffer and writes with
 * write(2).  No function here allocates.  Also the pieces every report output shares:
 * file names with %p (hg_pid_path) and a private copy of stderr (hg_stderr_copy). */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

struct out { char *buf; size_t size, len; };

static void put(struct out *o, char c) {
  if (o->len + 1 < o->size) o->buf[o->len] = c;
  o->len++;
}

static void put_str(struct out *o, const char *s) {
  if (!s) s = "(null)";
  while (*s) put(o, *s++);
}

static void put_num(struct out *o, unsigned long long v, unsigned base, bool neg, int width) {
  char tmp[24];
  int n = 0;
  do { tmp[n++] = "0123456789abcdef"[v % base]; v /= base; } while (v);
  if (neg) tmp[n++] = '-';
  for (int pad = width - n; pad > 0; pad--) put(o, ' ');
  while (n) put(o, tmp[--n]);
}

size_t hg_vformat(char *buf, size_t size, const char *fmt, va_list ap) {
  struct out o = { buf, size, 0 };
  for (const char *f = fmt; *f; f++) {
    if (*f != '%') { put(&o, *f); continue; }
    f++;
    int width = 0;
    while (*f >= '0' && *f <= '9') width = width * 10 + (*f++ - '0');
    int longs = 0; bool z = false;
    while (*f == 'l') { longs++; f++; }
    if (*f == 'z') { z = true; f++; }
    switch (*f) {
    case 's': put_str(&o, va_arg(ap, const char *)); break;
    case 'c': put(&o, (char)va_arg(ap, int)); break;
    case '%': put(&o, '%'); break;
    case 'p': put_str(&o, "0x"); put_num(&o, (uintptr_t)va_arg(ap, void *), 16, false, 0); break;
    case 'd': {
      long long v = z ? (long long)va_arg(ap, ptrdiff_t) : longs ? va_arg(ap, long) : va_arg(ap, int);
      put_num(&o, v < 0 ? -(unsigned long long)v : (unsigned long long)v, 10, v < 0, width);
      break;
    }
    case 'u': case 'x': {
      unsigned long long v = z ? va_arg(ap, size_t)
                           : longs == 2 ? va_arg(ap, unsigned long long)
                           : longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
      put_num(&o, v, *f == 'x' ? 16 : 10, false, width);
      break;
    }
    default: put(&o, '%'); if (*f) put(&o, *f); else f--; break;
    }
  }
  if (size) buf[o.len < size ? o.len : size - 1] = '\0';
  return o.len < size ? o.len : (size ? size - 1 : 0);
}

size_t hg_format(char *buf, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t n = hg_vformat(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

bool hg_pid_path(char *out, size_t size, const char *pattern, int pid) {
  size_t n = 0;
  bool per_process = false;
  for (const char *p = pattern; p && *p && (!out || n + 24 < size); p++) {
    if (p[0] == '%' && p[1] == 'p') {
      if (out) n += hg_format(out + n, size - n, "%d", pid);
      per_process = true;
      p++;
    } else if (p[0] == '%' && p[1] == '%') {
      if (out) out[n++] = '%';
      p++;
    } else if (out) {
      out[n++] = *p;
    }
  }
  if (out) out[n] = '\0';
  return per_process;
}

int hg_stderr_copy(void) {
  int fd = fcntl(2, F_DUPFD_CLOEXEC, 500);
  if (fd < 0) fd = fcntl(2, F_DUPFD_CLOEXEC, 3);
  return fd < 0 ? 2 : fd;
}

void hg_write_all(int fd, const char *s, size_t n) {
  int saved = errno;
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    s += w; n -= (size_t)w;
  }
  errno = saved;
}

static void vmessage(const char *fmt, va_list ap) {
  char line[512];
  size_t n = hg_format(line, sizeof line, "heapguard: ");
  n += hg_vformat(line + n, sizeof line - n - 1, fmt, ap);
  line[n++] = '\n';
  hg_write_all(2, line, n);
}

void hg_message(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmessage(fmt, ap);
  va_end(ap);
}

void hg_fatal(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmessage(fmt, ap);
  va_end(ap);
  abort();
}

void hg_assert_fail(const char *expr, const char *file, int line) {
  hg_fatal("internal invariant broken: %s (%s:%d)", expr, file, line);
}

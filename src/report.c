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
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
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
  char num[16];
  size_t n = 0, digits = hg_format(num, sizeof num, "%d", pid);
  bool per_process = false, fits = true;
  for (const char *p = pattern; p && *p; p++) {
    const char *add = p;
    size_t len = 1;
    if (p[0] == '%' && p[1] == 'p') {
      add = num;
      len = digits;
      per_process = true;
      p++;
    } else if (p[0] == '%' && p[1] == '%') {
      p++;
    }
    if (!out || !fits) continue;
    if (n + len >= size) {   /* (a cut name would be another file's) */
      fits = false;
    } else {
      __builtin_memcpy(out + n, add, len);
      n += len;
    }
  }
  if (out && size) out[fits ? n : 0] = '\0';
  return per_process;
}

/* This process's start, in nanoseconds since boot (/proc/self/stat's starttime, in
 * clock ticks, rounded down: never later than the real start), or -1. */
static HG_COLD long long process_start_ns(void) {
  char buf[1024];
  int fd = hg_sys_open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  long n = hg_sys_read(fd, buf, sizeof buf - 1);
  hg_sys_close(fd);
  if (n <= 0) return -1;
  buf[n] = '\0';
  const char *p = NULL;   /* after the last ')': the command name may hold any byte */
  for (long i = 0; i < n; i++)
    if (buf[i] == ')') p = buf + i + 1;
  /* p is at the space before field 3 (state); starttime is field 22 */
  for (int field = 3; p && field < 22; field++) p = __builtin_strchr(p + 1, ' ');
  if (!p) return -1;
  unsigned long long ticks = 0;
  for (p++; *p >= '0' && *p <= '9'; p++) ticks = ticks * 10 + (unsigned long long)(*p - '0');
  long hz = sysconf(_SC_CLK_TCK);
  if (hz <= 0) hz = 100;
  return (long long)(ticks * (1000000000ULL / (unsigned long long)hz));
}

/* Whether the regular, non-empty file open on fd was last written before this process
 * started (its modification time taken from the real-time clock to time since boot). */
static HG_COLD bool written_before_start(int fd) {
  struct stat st;
  struct timespec real, boot;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) return false;
  long long start = process_start_ns();
  if (start < 0 || clock_gettime(CLOCK_REALTIME, &real) != 0 || clock_gettime(CLOCK_BOOTTIME, &boot) != 0)
    return false;   /* unknown: keep what is there rather than lose a report */
  long long offset = (real.tv_sec - boot.tv_sec) * 1000000000LL + (real.tv_nsec - boot.tv_nsec);
  long long mtime = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec - offset;
  return mtime < start;
}

HG_COLD int hg_report_open(const char *pattern, const char *what, unsigned flags) {
  char name[4096];
  int saved = errno;
  bool first = hg_pid_path(name, sizeof name, pattern, (int)getpid()), locked_out = false;
  if (!name[0] && pattern && *pattern) {   /* too long: as for a file that cannot be opened */
    __builtin_memcpy(name, pattern, 64);   /* (pattern: longer than that) */
    __builtin_strcpy(name + 64, "...");
    hg_message("cannot open the %s file %s: its name is longer than %zu bytes: %s", what, name,
               sizeof name - 1, (flags & HG_REPORT_NO_STDERR) ? "not written" : "writing to stderr instead");
    errno = saved;
    return -1;
  }
  int fd = hg_sys_open(name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    hg_message("cannot open the %s file %s (error %d): %s", what, name, errno,
               (flags & HG_REPORT_NO_STDERR) ? "not written" : "writing to stderr instead");
    errno = saved;
    return -1;
  }
  if (!first) {   /* a shared name (a failing flock other than "held" counts as neither) */
    first = flock(fd, LOCK_EX | LOCK_NB) == 0;
    locked_out = !first && errno == EWOULDBLOCK;
  }
  if (locked_out && (flags & HG_REPORT_FIRST_ONLY)) {
    hg_sys_close(fd);
    fd = -1;
  } else if (first && ((flags & HG_REPORT_RESTART) || written_before_start(fd))) {
    if (ftruncate(fd, 0) != 0) { /* a pipe or a device: nothing to empty */ }
  }
  if (fd >= 0) {   /* out of the way of programs that dup2 onto low descriptors */
    int high = fcntl(fd, F_DUPFD_CLOEXEC, 500);
    if (high >= 0) {
      hg_sys_close(fd);
      fd = high;
    }
  }
  errno = saved;
  return fd;
}

int hg_stderr_copy(void) {
  int fd = fcntl(2, F_DUPFD_CLOEXEC, 500);
  if (fd < 0) fd = fcntl(2, F_DUPFD_CLOEXEC, 3);
  return fd < 0 ? 2 : fd;
}

int hg_sys_open(const char *path, int flags) {
  return (int)syscall(SYS_openat, AT_FDCWD, path, flags, 0644);
}
long hg_sys_read(int fd, void *buf, size_t n) { return syscall(SYS_read, fd, buf, n); }
long hg_sys_write(int fd, const void *buf, size_t n) { return syscall(SYS_write, fd, buf, n); }
void hg_sys_close(int fd) { syscall(SYS_close, fd); }

int hg_write_all(int fd, const char *s, size_t n) {
  int saved = errno, error = 0;
  while (n > 0) {
    long w = hg_sys_write(fd, s, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      error = w < 0 ? errno : EIO;
      break;
    }
    s += w; n -= (size_t)w;
  }
  errno = saved;
  return error;
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

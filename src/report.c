/* report.c — output without libc: a tiny formatter and the fatal-error path.
 *
 * Everything here runs inside malloc, possibly while a lock is held or while libc's
 * stdio is in an inconsistent state, so it formats into a stack buffer and writes with
 * write(2).  No function here allocates.  Also the pieces every report output shares:
 * file names with %p (hg_pid_path) and a private copy of stderr (hg_stderr_copy). */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct out { char *buf; size_t size, len; };

static void put(struct out *o, char c) {
  if (o->len + 1 < o->size) o->buf[o->len] = c;
  o->len++;
}

static void put_rep(struct out *o, char c, int n) {
  for (; n > 0; n--) put(o, c);
}

static void put_str(struct out *o, const char *s) {
  if (!s) s = "(null)";
  while (*s) put(o, *s++);
}

/* One conversion's flags, field width and precision, as printf reads them.  prec < 0:
 * none given. */
struct spec { bool left, zero, alt, plus, space; int width, prec; };

/* n bytes of s in the field (%s, %c) */
static void put_text(struct out *o, const struct spec *sp, const char *s, int n) {
  int fill = sp->width - n;
  if (!sp->left) put_rep(o, ' ', fill);
  for (int i = 0; i < n; i++) put(o, s[i]);
  if (sp->left) put_rep(o, ' ', fill);
}

/* An integer conversion: the prefix (a sign, 0x), then at least prec digits, in the
 * field; '0' pads between the prefix and the digits, and only without a precision (C
 * 7.21.6.1). */
static void put_int(struct out *o, const struct spec *sp, unsigned long long v, unsigned base, bool upper,
                    const char *prefix) {
  const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char digits[24];   /* 2^64 - 1 has 22 octal digits */
  int n = 0;
  for (; v; v /= base) digits[n++] = set[v % base];
  int zeros = (sp->prec < 0 ? 1 : sp->prec) - n;
  if (zeros < 0) zeros = 0;
  if (sp->alt && base == 8 && zeros == 0 && (n == 0 || digits[n - 1] != '0')) zeros = 1;   /* %#o: a leading 0 */
  int plen = 0;
  while (prefix[plen]) plen++;
  int fill = sp->width - (plen + zeros + n);
  bool zero_fill = sp->zero && !sp->left && sp->prec < 0;
  if (!sp->left && !zero_fill) put_rep(o, ' ', fill);
  put_str(o, prefix);
  if (zero_fill) put_rep(o, '0', fill);
  put_rep(o, '0', zeros);
  while (n) put(o, digits[--n]);
  if (sp->left) put_rep(o, ' ', fill);
}

/* The length modifiers, as the argument they select */
enum arg_len { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE, LEN_PTRDIFF, LEN_MAX, LEN_LDOUBLE };

static long long signed_arg(va_list *ap, enum arg_len len) {
  switch (len) {
  case LEN_CHAR: return (signed char)va_arg(*ap, int);
  case LEN_SHORT: return (short)va_arg(*ap, int);
  case LEN_LONG: return va_arg(*ap, long);
  case LEN_LLONG: return va_arg(*ap, long long);
  case LEN_SIZE: return va_arg(*ap, ssize_t);
  case LEN_PTRDIFF: return va_arg(*ap, ptrdiff_t);
  case LEN_MAX: return va_arg(*ap, intmax_t);
  default: return va_arg(*ap, int);
  }
}

static unsigned long long unsigned_arg(va_list *ap, enum arg_len len) {
  switch (len) {
  case LEN_CHAR: return (unsigned char)va_arg(*ap, unsigned);
  case LEN_SHORT: return (unsigned short)va_arg(*ap, unsigned);
  case LEN_LONG: return va_arg(*ap, unsigned long);
  case LEN_LLONG: return va_arg(*ap, unsigned long long);
  case LEN_SIZE: return va_arg(*ap, size_t);
  case LEN_PTRDIFF: return (size_t)va_arg(*ap, ptrdiff_t);
  case LEN_MAX: return va_arg(*ap, uintmax_t);
  default: return va_arg(*ap, unsigned);
  }
}

/* One conversion, f just past its '%'; returns where the conversion ends (its last
 * character, or the string's NUL).  Every argument a conversion names is consumed, also
 * for those not formatted (floating point, %n), so the arguments after it stay in step:
 * gcc's format check accepts all of printf's conversions here. */
static const char *convert(struct out *o, const char *pct, const char *f, va_list *ap) {
  struct spec sp = { .prec = -1 };
  for (;; f++) {
    if (*f == '-') sp.left = true;
    else if (*f == '0') sp.zero = true;
    else if (*f == '#') sp.alt = true;
    else if (*f == '+') sp.plus = true;
    else if (*f == ' ') sp.space = true;
    else break;
  }
  if (*f == '*') {
    sp.width = va_arg(*ap, int);
    if (sp.width < 0) { sp.left = true; sp.width = sp.width == INT_MIN ? INT_MAX : -sp.width; }
    f++;
  } else {
    while (*f >= '0' && *f <= '9') sp.width = sp.width * 10 + (*f++ - '0');
  }
  if (*f == '.') {
    f++;
    sp.prec = 0;
    if (*f == '*') { sp.prec = va_arg(*ap, int); if (sp.prec < 0) sp.prec = -1; f++; }
    else while (*f >= '0' && *f <= '9') sp.prec = sp.prec * 10 + (*f++ - '0');
  }
  enum arg_len len = LEN_INT;
  switch (*f) {
  case 'h': len = f[1] == 'h' ? (f++, LEN_CHAR) : LEN_SHORT; f++; break;
  case 'l': len = f[1] == 'l' ? (f++, LEN_LLONG) : LEN_LONG; f++; break;
  case 'q': len = LEN_LLONG; f++; break;
  case 'z': len = LEN_SIZE; f++; break;
  case 't': len = LEN_PTRDIFF; f++; break;
  case 'j': len = LEN_MAX; f++; break;
  case 'L': len = LEN_LDOUBLE; f++; break;
  default: break;
  }
  switch (*f) {
  case 'd': case 'i': {
    long long v = signed_arg(ap, len);
    const char *sign = v < 0 ? "-" : sp.plus ? "+" : sp.space ? " " : "";
    put_int(o, &sp, v < 0 ? -(unsigned long long)v : (unsigned long long)v, 10, false, sign);
    break;
  }
  case 'u': case 'x': case 'X': case 'o': {
    unsigned long long v = unsigned_arg(ap, len);
    const char *prefix = sp.alt && v && *f == 'x' ? "0x" : sp.alt && v && *f == 'X' ? "0X" : "";
    put_int(o, &sp, v, *f == 'u' ? 10 : *f == 'o' ? 8 : 16, *f == 'X', prefix);
    break;
  }
  case 'p': {   /* 0x and hex, also for NULL (glibc prints "(nil)") */
    struct spec hex = { .left = sp.left, .width = sp.width, .prec = -1 };
    put_int(o, &hex, (uintptr_t)va_arg(*ap, void *), 16, false, "0x");
    break;
  }
  case 's': {
    const char *s = va_arg(*ap, const char *);
    if (!s) s = "(null)";
    int n = 0;
    while ((sp.prec < 0 || n < sp.prec) && s[n]) n++;
    put_text(o, &sp, s, n);
    break;
  }
  case 'c': { char c = (char)va_arg(*ap, int); put_text(o, &sp, &c, 1); break; }
  case '%': put(o, '%'); break;
  case 'n': (void)va_arg(*ap, void *); break;   /* never stores: a report is no place for it */
  case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case 'a': case 'A':
    /* not formatted (nothing here prints floating point): shown as written */
    if (len == LEN_LDOUBLE) (void)va_arg(*ap, long double);
    else (void)va_arg(*ap, double);
    for (const char *c = pct; c <= f; c++) put(o, *c);
    break;
  default:   /* not a conversion: shown as written, nothing consumed */
    for (const char *c = pct; c < f; c++) put(o, *c);
    if (!*f) return f - 1;
    put(o, *f);
    break;
  }
  return f;
}

size_t hg_vformat(char *buf, size_t size, const char *fmt, va_list ap) {
  struct out o = { buf, size, 0 };
  va_list args;
  va_copy(args, ap);   /* (a va_list parameter may be an array: only a copy's address is portable) */
  for (const char *f = fmt; *f; f++) {
    if (*f == '%') f = convert(&o, f, f + 1, &args);
    else put(&o, *f);
  }
  va_end(args);
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
  char num[16], uid[16];
  size_t n = 0, digits = hg_format(num, sizeof num, "%d", pid), uid_digits = 0;
  bool per_process = false, fits = true;
  for (const char *p = pattern; p && *p; p++) {
    const char *add = p;
    size_t len = 1;
    if (p[0] == '%' && p[1] == 'p') {
      add = num;
      len = digits;
      per_process = true;
      p++;
    } else if (p[0] == '%' && p[1] == 'u') {
      /* (the kernel's: libc's geteuid would be one import more for every process) */
      if (!uid_digits) uid_digits = hg_format(uid, sizeof uid, "%lu", (unsigned long)syscall(SYS_geteuid));
      add = uid;
      len = uid_digits;
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

/* The report files that are FIFOs or sockets (hg_report_open), as fd + 1 (0: none).  A
 * write to one whose reader has gone (`head` read what it wanted and exited) raised
 * SIGPIPE, whose default action killed the program, status 141, for a file the user
 * named for heapguard's output: there SIGPIPE is blocked for the write, its EPIPE
 * taken as the file refusing a line (the callers' fallbacks: stderr, or the trace
 * stops), and the signal the write raised consumed.  Not for the copies of stderr,
 * which is the program's: a writer there gets SIGPIPE as the program would. */
#define MAX_PIPE_OUTPUTS 8
static _Atomic int pipe_outputs[MAX_PIPE_OUTPUTS];

static void note_pipe_output(int fd) {
  struct stat st;
  bool pipe = fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
  for (unsigned i = 0; i < MAX_PIPE_OUTPUTS; i++) {   /* an old entry of this number goes */
    int was = fd + 1;
    atomic_compare_exchange_strong(&pipe_outputs[i], &was, 0);
  }
  for (unsigned i = 0; pipe && i < MAX_PIPE_OUTPUTS; i++) {
    int none = 0;
    if (atomic_compare_exchange_strong(&pipe_outputs[i], &none, fd + 1)) break;
  }
}

bool hg_is_pipe_output(int fd) {
  for (unsigned i = 0; i < MAX_PIPE_OUTPUTS; i++)
    if (atomic_load_explicit(&pipe_outputs[i], memory_order_relaxed) == fd + 1) return true;
  return false;
}

struct sigmask64 { uint64_t bits; };   /* the kernel's sigset_t (_NSIG / 8 bytes) */
#define SIGPIPE_BIT (1ull << (SIGPIPE - 1))

bool hg_sigpipe_block(uint64_t *old) {
  struct sigmask64 set = { SIGPIPE_BIT }, was;
  if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, &was, sizeof set) != 0) return false;
  *old = was.bits;
  return true;
}

void hg_sigpipe_restore(uint64_t old, int error) {
  if (error == EPIPE && !(old & SIGPIPE_BIT)) {   /* the write's SIGPIPE, pending: taken */
    struct sigmask64 set = { SIGPIPE_BIT };
    struct timespec zero = { 0, 0 };
    syscall(SYS_rt_sigtimedwait, &set, NULL, &zero, sizeof set);
  }
  struct sigmask64 was = { old };
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &was, NULL, sizeof was);
}

/* A report file opened for appending.  Not blocking: open(2) of a FIFO for writing
 * waits for a reader, and with none (a `mkfifo` whose reader was not started, or has
 * gone) the program hung before main, in its first malloc, without a word.  A reader
 * may be on its way (`cat fifo &` just started): a second is given for one, then the
 * caller says so (ENXIO).  Blocking again once open, so that writes to a FIFO wait for
 * its reader as they would for any stream (a regular file ignores the flag). */
static HG_COLD int open_output(const char *name) {
  const int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
  int fd = hg_sys_open(name, flags | O_NONBLOCK);
  for (int i = 0; fd < 0 && errno == ENXIO && i < 100; i++) {
    struct timespec ts = { 0, 10 * 1000 * 1000 };
    syscall(SYS_nanosleep, &ts, NULL);   /* not libc's: a cancellation point */
    fd = hg_sys_open(name, flags | O_NONBLOCK);
  }
  if (fd >= 0) fcntl(fd, F_SETFL, O_APPEND);
  return fd;
}

/* Whether fd is open on the file of the program's standard input, output or error:
 * /dev/stdout, /dev/stderr or /proc/self/fd/1 named as the output, or the very file
 * the shell redirected a stream to.  That file is the program's: with `>>` it holds
 * what earlier runs wrote, and emptying it as a leftover of an earlier run lost it. */
static HG_COLD bool program_stream(int fd) {
  struct hg_file_id id;
  hg_file_id(fd, &id);
  for (int std = 0; std <= 2; std++)
    if (hg_file_same(std, &id)) return true;
  return false;
}

/* Why a report file was refused (EACCES), when it is a user's: the file is another
 * user's, or its directory lets this user create none.  A process that changes user
 * (runuser's and su's child, still root, opens its file, then execs the program as
 * the user in the same pid; a server that leaves root and opens its file again after
 * closing every descriptor) cannot open the file it made as root: the words say so
 * and name %u, which gives each user a file of its own.  Empty otherwise. */
static HG_COLD void refused_why(const char *name, int error, char *why, size_t size) {
  why[0] = '\0';
  if (error != EACCES) return;
  unsigned long uid = (unsigned long)syscall(SYS_geteuid);
  struct stat st;
  if (stat(name, &st) == 0 && st.st_uid != uid)
    hg_format(why, size, ": the file is user %lu's and this process runs as user %lu (as when a process "
              "changes user after making its file: runuser, su; %%u in the name gives each user a file)",
              (unsigned long)st.st_uid, uid);
  else if (errno == ENOENT)
    hg_format(why, size, ": user %lu may not create files in its directory", uid);
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
  int fd = open_output(name);
  if (fd < 0 && errno == ENXIO) {
    hg_message("cannot open the %s file %s: a FIFO that no process opened for reading within "
               "a second: %s", what, name,
               (flags & HG_REPORT_NO_STDERR) ? "not written" : "writing to stderr instead");
    errno = saved;
    return -1;
  }
  if (fd < 0) {
    int error = errno;
    const char *instead = (flags & HG_REPORT_NO_STDERR) ? "not written" : "writing to stderr instead";
    char why[256];
    refused_why(name, error, why, sizeof why);
    hg_message("cannot open the %s file %s (error %d%s)%s: %s", what, name, error, hg_error_words(error), why,
               instead);
    errno = saved;
    return -1;
  }
  if (!first) {   /* a shared name (a failing flock other than "held" counts as neither) */
    first = flock(fd, LOCK_EX | LOCK_NB) == 0;
    locked_out = !first && errno == EWOULDBLOCK;
  }
  if ((flags & HG_REPORT_ALONE) && locked_out) {
    /* Another process of the run has its document there: appending would make one
     * file of two documents. */
    hg_message("not writing the %s file %s: another process of this run writes its own there; "
               "put %%p in the name for one file per process", what, name);
    hg_sys_close(fd);
    fd = -1;
  } else if (locked_out && (flags & HG_REPORT_FIRST_ONLY)) {
    hg_sys_close(fd);
    fd = -1;
  } else if (first && ((flags & HG_REPORT_RESTART) || written_before_start(fd)) && !program_stream(fd)) {
    if (ftruncate(fd, 0) != 0) { /* a pipe or a device: nothing to empty */ }
  }
  if (fd >= 0) {   /* out of the way of programs that dup2 onto low descriptors */
    int high = fcntl(fd, F_DUPFD_CLOEXEC, 500);
    if (high >= 0) {
      hg_sys_close(fd);
      fd = high;
    }
    note_pipe_output(fd);
  }
  errno = saved;
  return fd;
}

void hg_ob_flush(struct hg_ob *o) {
  if (o->len && !o->error) o->error = hg_write_all(o->fd, o->buf, o->len);
  o->len = 0;
}

void hg_ob_put(struct hg_ob *o, const char *s, size_t n) {
  while (n) {
    if (o->len == o->cap) hg_ob_flush(o);
    size_t k = o->cap - o->len < n ? o->cap - o->len : n;
    __builtin_memcpy(o->buf + o->len, s, k);
    o->len += k;
    s += k;
    n -= k;
  }
}

void hg_ob_printf(struct hg_ob *o, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  size_t n = hg_vformat(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  hg_ob_put(o, tmp, n);
}

int hg_stderr_copy(void) {
  int fd = fcntl(2, F_DUPFD_CLOEXEC, 500);
  if (fd < 0) fd = fcntl(2, F_DUPFD_CLOEXEC, 3);
  return fd < 0 ? 2 : fd;
}

/* statx asking for the inode only: fstat asks for the times too, and on kernels with
 * multigrain timestamps (6.13 on) a file whose change time was read must take a
 * fine-grained one, dirtying its inode, at its next write: a trace file checked before
 * each line then cost 2.2 us a line instead of 0.8 (1.2 with this).  fstat where statx
 * is missing (before Linux 4.11) or refused (a seccomp filter). */
static bool file_id_of(int fd, struct hg_file_id *id) {
  struct statx sx;
  /* The empty path on the stack, not a literal in .rodata: sampled mode's start runs
   * this (diag.c), and .rodata is one more mapping it must not fault in
   * (tests/programs/resident.sh). */
  char empty[1] = { 0 };
  if (syscall(SYS_statx, fd, empty, AT_EMPTY_PATH, STATX_INO, &sx) == 0) {
    *id = (struct hg_file_id){ (uint64_t)sx.stx_dev_major << 32 | sx.stx_dev_minor, sx.stx_ino };
    return true;
  }
  struct stat st;
  if (errno == EBADF || fstat(fd, &st) != 0) return false;
  *id = (struct hg_file_id){ (uint64_t)major(st.st_dev) << 32 | minor(st.st_dev), st.st_ino };
  return true;
}

void hg_file_id(int fd, struct hg_file_id *id) {
  int saved = errno;
  if (!file_id_of(fd, id)) *id = (struct hg_file_id){ 0, 0 };
  errno = saved;
}

bool hg_file_same(int fd, const struct hg_file_id *id) {
  int saved = errno;
  struct hg_file_id now;
  bool same = file_id_of(fd, &now) && now.dev == id->dev && now.ino == id->ino;
  errno = saved;
  return same;
}

const char *hg_error_words(int error) {
  switch (error) {
  case EPERM: return ": operation not permitted";
  case ENOENT: return ": no such file or directory";
  case EIO: return ": input/output error";
  case EBADF: return ": bad file descriptor";
  case EACCES: return ": permission denied";
  case EEXIST: return ": file exists";
  case ENOTDIR: return ": a component of the path is not a directory";
  case EISDIR: return ": is a directory";
  case EINVAL: return ": invalid argument";
  case ENFILE: return ": too many open files in the system";
  case EMFILE: return ": too many open files";
  case ETXTBSY: return ": text file busy";
  case EFBIG: return ": file too large";
  case ENOSPC: return ": no space left on device";
  case EROFS: return ": read-only file system";
  case EPIPE: return ": broken pipe (its reader has gone)";
  case ENAMETOOLONG: return ": file name too long";
  case ELOOP: return ": too many levels of symbolic links";
  case EDQUOT: return ": disk quota exceeded";
  case ENOMEM: return ": out of memory";
  default: return "";
  }
}

int hg_sys_open(const char *path, int flags) {
  return (int)syscall(SYS_openat, AT_FDCWD, path, flags, 0644);
}
long hg_sys_read(int fd, void *buf, size_t n) { return syscall(SYS_read, fd, buf, n); }
long hg_sys_write(int fd, const void *buf, size_t n) { return syscall(SYS_write, fd, buf, n); }
void hg_sys_close(int fd) { syscall(SYS_close, fd); }

struct files_limit { uint64_t cur, max; };   /* the kernel's struct rlimit64 */

bool hg_files_raise(uint64_t *old) {
  int saved = errno;
  struct files_limit r;
  bool raised = false;
  if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &r) == 0 && r.cur < r.max) {
    *old = r.cur;
    r.cur = r.max - r.cur > 64 ? r.cur + 64 : r.max;
    raised = syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &r, NULL) == 0;
  }
  errno = saved;
  return raised;
}

void hg_files_restore(uint64_t old) {
  int saved = errno;
  struct files_limit r;
  /* (Descriptors opened above it meanwhile stay valid.) */
  if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &r) == 0 && r.cur > old) {
    r.cur = old;
    syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &r, NULL);
  }
  errno = saved;
}

int hg_write_all(int fd, const char *s, size_t n) {
  int saved = errno, error = 0;
  uint64_t mask;
  bool quiet = hg_unlikely(hg_is_pipe_output(fd)) && hg_sigpipe_block(&mask);
  while (n > 0) {
    long w = hg_sys_write(fd, s, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) {
      /* A non-blocking descriptor (the program set O_NONBLOCK on its stderr, as event
       * loops do) whose pipe or socket is full: wait until it takes more, as a blocking
       * one would, rather than drop the report's rest (its summary, with the error
       * exit code still applied).  ppoll as a plain system call: libc's poll is a
       * cancellation point. */
      struct pollfd p = { .fd = fd, .events = POLLOUT };
      if (syscall(SYS_ppoll, &p, 1, NULL, NULL, _NSIG / 8) >= 0 || errno == EINTR) continue;
    }
    if (w <= 0) {
      error = w < 0 ? errno : EIO;
      break;
    }
    s += w; n -= (size_t)w;
  }
  if (quiet) hg_sigpipe_restore(mask, error);
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

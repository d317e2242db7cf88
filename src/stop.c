/* stop.c — stopping the other threads for the exit-time leak scan (see stop.h).
 *
 * LeakSanitizer's StopTheWorld, simpler: no tracer process, a signal instead.  The
 * signal is the highest real-time signal whose action is the default one (the program
 * does not use it: receiving it would have killed the process); its handler is ours
 * only while the scan runs, and the program's action (SIG_DFL) is put back after.
 *
 *  * Threads are found in /proc/self/task (raw getdents64: no malloc, no stdio) and sent
 *    the signal with tgkill.  A stopped thread creates no thread, but a running one
 *    may, until it is stopped: the directory is read again after each round of
 *    signals, until a round finds no new thread.
 *  * The handler counts itself in, wakes the exiting thread, and sleeps on a futex
 *    until the scan is over.  Its signal frame (the interrupted registers, general and
 *    vector) lies on the thread's own stack (no SA_ONSTACK), which the scan reads whole.
 *    It takes no lock, allocates nothing, and keeps errno.  SA_RESTART: the system call
 *    it interrupted is restarted, but for those that fail with EINTR after any handler
 *    (epoll_wait, select...), which then do so in a process on its way out.
 *  * A thread that cannot take the signal soon must not hang the exit: one that blocks
 *    it (SigBlk in /proc/self/task/TID/status) or is a zombie is not sent it; one in an
 *    uninterruptible sleep (or busy elsewhere) is waited for at most STOP_WAIT_NS after
 *    the last signal of the round, or STOP_WAIT_RUNNABLE_NS while one is runnable (its
 *    signal is pending and the scheduler has not run it yet: a loaded machine).  Those
 *    threads are scanned as they are, running: nothing is said, since a false leak is then possible but not likely.  Setting the
 *    action to SIG_IGN before restoring the program's drops a signal still pending for
 *    them (a default action would kill the process once they unblocked it).
 *  * A thread stopped inside the allocator does not hold check mode's lock (the scan
 *    holds it), so the block records the scan reads are not half-changed; it may hold
 *    another lock, which the scan does not take. */
#include "stop.h"
#include "sigaction.h"
#include "wipe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>


#define STOP_WAIT_NS (200 * 1000 * 1000L)
#define STOP_WAIT_RUNNABLE_NS (2000 * 1000 * 1000L)
/* The kernel's highest signal (glibc's SIGRTMAX, without its function call: every
 * import from libc costs each process that loads the library a lookup at start). */
#define STOP_SIG_HIGH 64
#define STOP_MAX 4096   /* threads stopped at most; any more are scanned running */

static _Atomic int stopping;   /* 1 while the scan runs: handlers wait for 0 */
static _Atomic int arrived;    /* handlers that have stopped */
static int stop_sig;           /* 0: no signal taken */
static struct sigaction program_action;
static pid_t sent[STOP_MAX];
static size_t nsent;

static long futex(_Atomic int *addr, int op, int val, const struct timespec *timeout) {
  return syscall(SYS_futex, addr, op | FUTEX_PRIVATE_FLAG, val, timeout, NULL, 0);
}

static void on_stop(int sig, siginfo_t *si, void *ctx) {
  (void)sig, (void)ctx;
  int saved = errno;
  /* Ours: sent by tgkill from this process while the scan runs (a late one, after it,
   * returns at once). */
  if (si->si_code == SI_TKILL && si->si_pid == (pid_t)syscall(SYS_getpid) &&
      atomic_load_explicit(&stopping, memory_order_acquire)) {
    hg_side_note_stop((uintptr_t)__builtin_frame_address(0));   /* below the signal frame */
    atomic_fetch_add_explicit(&arrived, 1, memory_order_release);
    futex(&arrived, FUTEX_WAKE, 1, NULL);
    while (atomic_load_explicit(&stopping, memory_order_acquire)) futex(&stopping, FUTEX_WAIT, 1, NULL);
  }
  errno = saved;
}

static long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static bool already_sent(pid_t tid) {
  for (size_t i = 0; i < nsent; i++)
    if (sent[i] == tid) return true;
  return false;
}

/* The text after "\n" key in s, or NULL (strstr is one more import). */
static const char *field(const char *s, const char *key) {
  size_t n = strlen(key);
  for (const char *c = s; (c = strchr(c, '\n')) != NULL; c++)
    if (strncmp(c + 1, key, n) == 0) return c + 1 + n;
  return NULL;
}

/* /proc/self/task/TID/status of thread tid, in a static buffer (one caller at a time,
 * under check mode's lock); NULL if the thread is gone. */
static const char *task_status(pid_t tid) {
  char path[48] = "/proc/self/task/", digits[12];
  size_t n = 0, len = strlen(path);
  for (pid_t t = tid; t && n < sizeof digits; t /= 10) digits[n++] = (char)('0' + t % 10);
  while (n) path[len++] = digits[--n];
  memcpy(path + len, "/status", 8);
  int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;   /* gone */
  static char buf[4096];   /* static, not on the stack: see signal_round */
  long got = syscall(SYS_read, fd, buf, sizeof buf - 1);
  syscall(SYS_close, fd);
  if (got <= 0) return NULL;
  buf[got] = '\0';
  return buf;
}

/* Whether thread tid can take the signal now: not a zombie, not blocking it. */
static bool can_take(pid_t tid) {
  const char *status = task_status(tid);
  if (!status) return false;
  const char *s = field(status, "State:\t");
  if (s && (*s == 'Z' || *s == 'X')) return false;
  s = field(status, "SigBlk:\t");
  if (!s) return true;
  const char *end = strchr(s, '\n');
  if (!end) return true;
  /* A hex mask, bit sig-1 counted from the right. */
  int bit = stop_sig - 1;
  const char *c = end - 1 - bit / 4;
  if (c < s) return true;
  unsigned v = *c <= '9' ? (unsigned)(*c - '0') : (unsigned)((*c | 0x20) - 'a' + 10);
  return !((v >> (bit % 4)) & 1);
}

/* Whether a thread sent the signal is runnable: one that has not run its handler yet
 * on a busy machine (a stopped thread sleeps, state S).  Waiting longer for it is
 * worth it: scanned running, a block it holds in a register only would be reported
 * lost. */
static bool any_runnable(void) {
  for (size_t i = 0; i < nsent; i++) {
    const char *status = task_status(sent[i]);
    const char *s = status ? field(status, "State:\t") : NULL;
    if (s && *s == 'R') return true;
  }
  return false;
}

/* Sends the signal to every thread not yet sent it; returns how many were sent. */
static size_t signal_round(pid_t pid, pid_t self) {
  int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return 0;
  size_t count = 0;
  /* Static (one caller, under check mode's lock): 8 KiB less stack below the exit
   * path's frames.  (Making them so once hid the sa_mask tail of hg_stop_others: GCC
   * then inlined this function, whose frame grew by 80 bytes, which moved libc's
   * sigaction and its uninitialized copy 80 bytes down.) */
  static char buf[4096] __attribute__((aligned(8)));
  long got;
  while ((got = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
    for (long off = 0; off < got;) {
      /* struct linux_dirent64: inode (8), offset (8), record length (2), type (1), name */
      unsigned short reclen;
      memcpy(&reclen, buf + off + 16, sizeof reclen);
      const char *name = buf + off + 19;
      off += reclen;
      pid_t tid = 0;
      for (const char *c = name; *c >= '0' && *c <= '9'; c++) tid = tid * 10 + (*c - '0');
      if (tid <= 0 || tid == self || nsent == STOP_MAX || already_sent(tid) || !can_take(tid)) continue;
      if (syscall(SYS_tgkill, pid, tid, stop_sig) == 0) {
        sent[nsent++] = tid;
        count++;
      }
    }
  }
  syscall(SYS_close, fd);
  return count;
}

/* Waits until every thread sent the signal has stopped, or STOP_WAIT_NS have passed
 * (STOP_WAIT_RUNNABLE_NS while one of them is still runnable). */
static void wait_arrivals(void) {
  long start = now_ns(), deadline = start + STOP_WAIT_NS;
  for (;;) {
    int n = atomic_load_explicit(&arrived, memory_order_acquire);
    if ((size_t)n >= nsent) return;
    long left = deadline - now_ns();
    if (left <= 0) {
      if (deadline - start >= STOP_WAIT_RUNNABLE_NS || !any_runnable()) return;
      deadline += STOP_WAIT_NS;
      continue;
    }
    struct timespec ts = { 0, left < 10000000L ? left : 10000000L };
    futex(&arrived, FUTEX_WAIT, n, &ts);
  }
}

size_t hg_stop_others(void) {
  stop_sig = 0;
  nsent = 0;
  for (int s = STOP_SIG_HIGH; s > STOP_SIG_HIGH - 8; s--) {
    struct sigaction old;
    if (__sigaction(s, NULL, &old) == 0 && !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL) {
      stop_sig = s;
      /* (Kept whole, old's dead-stack tail made a leaked block reachable:
       * bugs/bug_leak_indirect in 1 run of 4, when a copy left by the lazy binding
       * of memset fell there.) */
      hg_sigaction_kernel_mask_only(&old);
      program_action = old;
      break;
    }
  }
  if (!stop_sig) return 0;
  struct sigaction act;
  memset(&act, 0, sizeof act);
  act.sa_sigaction = on_stop;
  act.sa_flags = SA_SIGINFO | SA_RESTART;
  memset(&act.sa_mask, 0xff, sizeof act.sa_mask);   /* no other handler runs on top of a stopped thread */
  atomic_store(&arrived, 0);
  atomic_store(&stopping, 1);
  if (__sigaction(stop_sig, &act, NULL) != 0) {
    atomic_store(&stopping, 0);
    stop_sig = 0;
    return 0;
  }
  pid_t pid = (pid_t)syscall(SYS_getpid), self = (pid_t)syscall(SYS_gettid);
  for (int round = 0; round < 16 && signal_round(pid, self); round++) wait_arrivals();
  return (size_t)atomic_load(&arrived);
}

void hg_stop_release(void) {
  if (!stop_sig) return;
  atomic_store_explicit(&stopping, 0, memory_order_release);
  futex(&stopping, FUTEX_WAKE, 0x7fffffff, NULL);
  struct sigaction ign;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  __sigaction(stop_sig, &ign, NULL);   /* drops the signal still pending for a thread */
  __sigaction(stop_sig, &program_action, NULL);
  stop_sig = 0;
}

#!/usr/bin/env bash
# A read of /proc/self/maps that fails partway (read() returning -1: EIO, or EINTR,
# which is retried) or that meets a line longer than the reader's buffer: the mappings
# after that point are unknown.  The reader used to stop there and say it had read the
# file, so check mode's leak scan took the mappings seen as all its roots and reported
# a block held only from the program's data segment "definitely lost" (status 99).  Now
# the read counts as failed, and the leak check is skipped with a line, as when the file
# cannot be opened (no_proc.sh).  The failure is made by a shim preloaded before the
# library: heapguard reads the file through libc's syscall(), which the shim wraps (it
# makes its own system calls: x86-64 only).  It also refuses the probe the verify of
# redzones uses when it has no maps (unreadable.c), which is then skipped with a line.
. "$(dirname "$0")/lib.sh"
need gcc
[ "$(uname -m)" = x86_64 ] || { echo "the shim makes x86-64 system calls"; exit 77; }

cat >"$T/shim.c" <<'C'
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

static long raw(long n, long a, long b, long c, long d, long e, long f) {
  register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

static int maps_fd = -1, reads;

/* HG_SHIM_MAPS: eio (the second read of the file fails), eintr (the second read is
 * interrupted once), long (the first read returns a line with no end). */
long syscall(long n, ...) {
  va_list ap;
  va_start(ap, n);
  long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long), d = va_arg(ap, long),
       e = va_arg(ap, long), f = va_arg(ap, long);
  va_end(ap);
  const char *mode = getenv("HG_SHIM_MAPS");
  long r, err = 0;
  if (n == SYS_rt_sigprocmask && a == -1 && getenv("HG_SHIM_NO_PROBE")) {   /* (unreadable.c) */
    errno = ENOSYS;
    return -1;
  }
  if (mode && n == SYS_read && a == maps_fd && maps_fd >= 0) {
    reads++;
    if (reads == 1 && strcmp(mode, "long") == 0) {
      memset((void *)b, 'x', (size_t)c);
      return c;
    }
    if (reads == 1 && c > 120) c = 120;   /* a short read: a line or two */
    if (reads == 2 && strcmp(mode, "eio") == 0) err = EIO;
    if (reads == 2 && strcmp(mode, "eintr") == 0) err = EINTR;
  }
  if (err) {
    errno = (int)err;
    return -1;
  }
  r = raw(n, a, b, c, d, e, f);
  if (mode && n == SYS_openat && r >= 0 && strcmp((const char *)b, "/proc/self/maps") == 0) {
    maps_fd = (int)r;
    reads = 0;
  }
  if (mode && n == SYS_close && a == maps_fd) maps_fd = -1;
  if (r < 0 && r > -4096) {
    errno = (int)-r;
    return -1;
  }
  return r;
}
C
build shim.c gcc -O1 -shared -fPIC -o "$T/shim.so" "$T/shim.c"
build keep.c gcc -O1 -o "$T/keep" "$HG_ROOT/tests/common/keep.c"

for mode in eio long eintr; do
  HG_CHECKS=$((HG_CHECKS + 2))
  env HG_SHIM_MAPS=$mode HEAPGUARD_MODE=check HEAPGUARD_LOG_FILE="$T/$mode.log" \
    LD_PRELOAD="$T/shim.so $HG_LIB_SO" timeout "$HG_CMD_TIMEOUT" "$T/keep" >"$T/$mode.out" 2>&1
  st=$?
  say "$mode: $(cat "$T/$mode.out"); status $st; $(grep -m 1 'skipped\|definitely lost:' "$T/$mode.log")"
  if grep -Eq 'definitely lost: [1-9]' "$T/$mode.log"; then
    fail "$mode: a reachable block reported lost: $(grep -m 1 'definitely lost:' "$T/$mode.log")"
  elif [ "$mode" = eintr ]; then
    grep -q 'definitely lost: 0 bytes' "$T/$mode.log" || fail "$mode: the interrupted read was not retried (no leak summary)"
  elif ! grep -q 'leak check skipped: .*/proc/self/maps' "$T/$mode.log"; then
    fail "$mode: no line says the leak check was skipped for want of /proc/self/maps"
  fi
  [ "$st" = 0 ] || fail "$mode: exit status $(status_desc "$st"), expected 0 (no error found)"
done

# Without the maps the verify of redzones and poison asks the kernel which pages can be
# read (unreadable.c); where it cannot ask, the verify is skipped with a line.
HG_CHECKS=$((HG_CHECKS + 2))
env HG_SHIM_MAPS=eio HG_SHIM_NO_PROBE=1 HEAPGUARD_MODE=check HEAPGUARD_LOG_FILE="$T/noprobe.log" \
  LD_PRELOAD="$T/shim.so $HG_LIB_SO" timeout "$HG_CMD_TIMEOUT" "$T/keep" >"$T/noprobe.out" 2>&1
st=$?
say "no probe: $(cat "$T/noprobe.out"); status $st; $(grep -m 1 'heap check' "$T/noprobe.log")"
grep -q 'heap check skipped: /proc/self/maps cannot be read' "$T/noprobe.log" ||
  fail "no probe: no line says the heap check was skipped"
[ "$st" = 0 ] || fail "no probe: exit status $(status_desc "$st"), expected 0 (no error found)"
finish

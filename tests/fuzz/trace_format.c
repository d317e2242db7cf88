/* tests/fuzz/trace_format.c — libFuzzer driver for the trace's line formatter
 * (src/trace_format.c) with any values: every system call and reason, sizes up to
 * SIZE_MAX, negative results, every option value it reads (mmap threshold, decay,
 * heap step).  The line must stay inside its buffer, whatever its size, and be the
 * same text in a small buffer as the start of it in a large one; sizes in words
 * ("1.5 MiB") must be right, checked against 128-bit arithmetic.  trace_format.c is
 * included (for its static add_bytes); built with src/options.c and src/report.c; the
 * mode flags it reads are defined here. */
#include "../../src/trace_format.c"   /* first: it defines _GNU_SOURCE */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

bool hg_check_on, hg_guard_sampling, hg_os_huge_on;
const char *hg_diag_mode(void) { return hg_check_on ? "check mode" : "guard mode"; }

/* add_bytes the slow way, without overflow. */
static void ref_bytes(char *out, size_t size, size_t v) {
  static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
  if (v < 1024) {
    snprintf(out, size, "%zu byte%s", v, v == 1 ? "" : "s");
    return;
  }
  unsigned u = 0;
  unsigned __int128 unit = 1024, x = v;
  while (u < 3 && x >= unit * 1024) { unit *= 1024; u++; }
  if (x % unit == 0)
    snprintf(out, size, "%llu %s", (unsigned long long)(x / unit), units[u]);
  else if (x * 10 % unit == 0)
    snprintf(out, size, "%llu.%llu %s", (unsigned long long)(x / unit),
             (unsigned long long)(x * 10 / unit % 10), units[u]);
  else if (u > 0 && x % (unit / 1024) == 0 && x / (unit / 1024) < 100000)
    snprintf(out, size, "%llu %s", (unsigned long long)(x / (unit / 1024)), units[u - 1]);
  else {
    unsigned __int128 tenths = (x * 10 + unit / 2) / unit;
    snprintf(out, size, "%llu.%llu %s", (unsigned long long)(tenths / 10),
             (unsigned long long)(tenths % 10), units[u]);
  }
}

static void check_bytes(size_t v) {
  char got[64], want[64];
  struct hg_trace_buf b = { got, sizeof got, 0 };
  add_bytes(&b, v);
  ref_bytes(want, sizeof want, v);
  if (strcmp(got, want) != 0) {
    fprintf(stderr, "add_bytes(%zu) = \"%s\", expected \"%s\"\n", v, got, want);
    abort();
  }
}

struct input {
  uint8_t flags, sys, why, cause;
  uint16_t size;
  long args[6], ret;
  size_t a, b, idle_ms, request;
  size_t mmap_threshold, decay_ms, dirty_max, heap_step;
  struct iovec iov[3];
  int pid, tid;
  uint64_t us;
};

static void format(char *buf, size_t size, const struct input *in, const struct hg_trace_ctx *c,
                   size_t *len) {
  struct hg_trace_buf b = { buf, size, 0 };
  long args[6];
  memcpy(args, in->args, sizeof args);
  if (in->sys % 8 == HG_SYS_PROCESS_MADVISE) args[1] = (long)in->iov;   /* os.c passes a real iovec */
  hg_trace_format_prefix(&b, in->pid, in->tid, in->us);
  hg_trace_format_syscall(&b, in->flags & 1, in->sys % 8, args, in->ret, in->why % 24, c);
  *len = b.len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct input in;
  if (size < sizeof in) return 0;
  memcpy(&in, data, sizeof in);
  hg_check_on = in.flags & 2;
  hg_guard_sampling = in.flags & 4;
  hg_opt.use_brk = in.flags & 8;
  hg_os_huge_on = in.flags & 16;
  hg_opt.mmap_threshold = in.mmap_threshold;
  hg_opt.decay_ms = in.decay_ms;
  hg_opt.dirty_max = in.dirty_max;
  hg_opt.heap_step = in.heap_step;
  struct hg_trace_ctx c = { in.why, in.cause % 5, in.a, in.b, in.idle_ms, in.request };
  check_bytes(in.a);
  check_bytes((size_t)in.args[1]);
  check_bytes(in.a >> (in.flags % 64));

  size_t small = in.size % 700, big_len, small_len;
  char *big = malloc(4096), *buf = malloc(small ? small : 1);
  format(big, 4096, &in, &c, &big_len);
  /* (a line past trace.c's 512 bytes is cut there: only impossible values make one) */
  if (big_len >= 4096) {
    fprintf(stderr, "a trace line of %zu bytes: %s\n", big_len, big);
    abort();
  }
  if (strlen(big) != big_len) abort();
  format(buf, small, &in, &c, &small_len);
  /* what fits is the same text (the writer keeps min(len, size) bytes, the last one
   * hg_vformat's NUL when a piece was cut); nothing is written past the buffer (ASan) */
  if (small) {
    size_t kept = small_len < small - 1 ? small_len : small - 1;
    if (memcmp(buf, big, kept) != 0) {
      fprintf(stderr, "cut line differs:\n%s\n%s\n", buf, big);
      abort();
    }
  }
  free(big);
  free(buf);
  return 0;
}

/* tests/fuzz/options.c — libFuzzer driver for the HEAPGUARD_* parsers: options.c (every
 * option's value, by NAME=value, as hg_options_init applies it; glibc's MALLOC_ and
 * GLIBC_TUNABLES settings), numparse.h
 * (hg_parse_size, hg_parse_digits, hg_parse_signal, checked against a reference
 * written the slow way) and the file name patterns (hg_pid_path: %p, %u, %%), checked
 * for staying inside their buffer and for what they expand to.  Built with
 * src/report.c (hg_format, hg_message) and src/options_text.c (hg_options_keep_text);
 * options.c is included for its static apply. */
#include "../../src/options.c"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* hg_parse_size the slow way: digits, then an optional suffix from a fixed list. */
static bool ref_size(const char *s, size_t *out) {
  static const struct { const char *suffix; unsigned shift; } sfx[] = {
    { "", 0 }, { "b", 0 }, { "k", 10 }, { "kb", 10 }, { "kib", 10 }, { "m", 20 }, { "mb", 20 },
    { "mib", 20 }, { "g", 30 }, { "gb", 30 }, { "gib", 30 },
  };
  unsigned __int128 v = 0;
  size_t i = 0;
  if (s[0] < '0' || s[0] > '9') return false;
  for (; s[i] >= '0' && s[i] <= '9'; i++) {
    v = v * 10 + (unsigned)(s[i] - '0');
    if (v > SIZE_MAX) return false;
  }
  for (unsigned k = 0; k < sizeof sfx / sizeof *sfx; k++)
    if (strcasecmp(s + i, sfx[k].suffix) == 0) {
      v <<= sfx[k].shift;
      if (v > SIZE_MAX) return false;
      *out = (size_t)v;
      return true;
    }
  return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0;
  char *s = malloc(size + 1);   /* exactly the string and its NUL: ASan sees overreads */
  memcpy(s, data, size);
  s[size] = '\0';
  size_t len = strlen(s);

  size_t a = 0, b = 0;
  bool ok = hg_parse_size(s, &a), rok = ref_size(s, &b);
  if (ok != rok || (ok && a != b)) {
    fprintf(stderr, "hg_parse_size(\"%s\"): %d %zu, expected %d %zu\n", s, ok, a, rok, b);
    abort();
  }
  const char *d = s;
  if (hg_parse_digits(&d, &a) && (d <= s || d > s + len)) abort();
  if (hg_parse_signal(s, &a) && (a > 64 || a == 9 || a == 19 || a == 11 || a == 6)) {
    fprintf(stderr, "hg_parse_signal(\"%s\") accepted %zu\n", s, a);
    abort();
  }
  (void)hg_same_word(s, "off");

  /* the whole input as one environment entry after "HEAPGUARD_" (no '=': ignored) */
  apply_setting(s);
  /* and its value under every option's name */
  for (unsigned i = 0; i < hg_options_count(); i++) {
    const char *name = hg_options_name(i);
    apply(name, strlen(name), s);
  }

  /* glibc's settings: the input as GLIBC_TUNABLES's value and as a MALLOC_ entry; the
   * trim settings they set stay capped whatever the value (HEAPGUARD_'s may be anything:
   * region.c's sum checks for itself) */
  hg_opt.trim_threshold = hg_opt.top_pad = 0;
  glibc_tunables(s);
  glibc_alias(s);
  if (hg_opt.trim_threshold > HG_TRIM_NEVER || hg_opt.top_pad > HG_TRIM_NEVER) abort();

  /* hg_pid_path into buffers of every small size and the real one; the result is
   * NUL-terminated inside the buffer and, when it fits, the exact expansion */
  static char buf[4096 + 64];
  bool per_process = hg_pid_path(NULL, 0, s, 0);
  for (size_t cap = 0; cap <= 4096; cap = cap < 64 ? cap + 1 : cap * 2) {
    memset(buf, 'Z', sizeof buf);
    /* (the answer is for the part that fitted: callers ask with NULL, or use 4096) */
    bool per = hg_pid_path(cap ? buf : NULL, cap, s, 4194304);
    if (!cap && per != per_process) abort();
    if (cap && (strnlen(buf, cap) >= cap || buf[cap] != 'Z')) {
      fprintf(stderr, "hg_pid_path(cap %zu) wrote past its buffer\n", cap);
      abort();
    }
  }
  /* the full expansion, the slow way */
  char *ref = malloc(len * 7 + 1), *w = ref;
  for (const char *p = s; *p; p++) {
    if (p[0] == '%' && p[1] == 'p') w += sprintf(w, "4194304"), p++;
    else if (p[0] == '%' && p[1] == 'u') w += sprintf(w, "%u", (unsigned)geteuid()), p++;
    else if (p[0] == '%' && p[1] == '%') *w++ = '%', p++;
    else *w++ = *p;
  }
  *w = '\0';
  if ((size_t)(w - ref) + 24 < 4096) {
    hg_pid_path(buf, 4096, s, 4194304);
    if (strcmp(buf, ref) != 0) {
      fprintf(stderr, "hg_pid_path(\"%s\") = \"%s\", expected \"%s\"\n", s, buf, ref);
      abort();
    }
  }
  free(ref);
  free(s);
  return 0;
}

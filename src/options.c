/* options.c — parsing HEAPGUARD_* settings (see options.h). */
#include "options.h"

#include <malloc.h>
#include <string.h>
#include <sys/auxv.h>

#include "numparse.h"

struct hg_options hg_opt = {
#define X(field, env, type, def, max, doc) .field = (def),
  HG_OPTIONS(X)
#undef X
};

extern char **environ;

static bool parse_size(const char *s, size_t *out) { return hg_parse_size(s, out); }

static bool parse_count(const char *s, size_t *out) {
  size_t v;
  if (!hg_parse_digits(&s, &v) || *s) return false;
  *out = v;
  return true;
}

/* 1, 2, 4, 8 or 16: what guard mode can align a block to (the largest is glibc's). */
static bool parse_align(const char *s, size_t *out) {
  size_t v;
  if (!parse_count(s, &v) || v == 0 || v > 16 || (v & (v - 1))) return false;
  *out = v;
  return true;
}

static bool parse_bool(const char *s, bool *out) {
  static const char *const yes[] = { "1", "true", "on", "yes" }, *const no[] = { "0", "false", "off", "no" };
  for (unsigned i = 0; i < 4; i++) {
    if (strcasecmp(s, yes[i]) == 0) { *out = true; return true; }
    if (strcasecmp(s, no[i]) == 0) { *out = false; return true; }
  }
  return false;
}

static bool parse_word(const char *s, unsigned *out, const char *const *words, unsigned n) {
  for (unsigned i = 0; i < n; i++)
    if (strcmp(s, words[i]) == 0) { *out = i; return true; }
  return false;
}

static const char *const mode_names[] = { "run", "check", "guard" };
static const char *const side_names[] = { "after", "before" };
static const char *const leaks_names[] = { "no", "summary", "full" };

static bool parse_mode(const char *s, unsigned *out) { return parse_word(s, out, mode_names, 3); }
static bool parse_side(const char *s, unsigned *out) { return parse_word(s, out, side_names, 2); }
static bool parse_leaks(const char *s, unsigned *out) { return parse_word(s, out, leaks_names, 3); }
static bool parse_path(const char *s, const char **out) {
  if (!*s) return false;
  *out = hg_options_keep_text(s);
  return true;
}
/* An output that is off by default: empty or a "no" word turns it off; a "yes" word is
 * refused rather than taken for a file named "1" or "on". */
static bool parse_file(const char *s, const char **out) {
  bool on;
  if (parse_bool(s, &on)) {
    if (on) return false;
    s = "";
  }
  *out = *s ? hg_options_keep_text(s) : NULL;
  return true;
}
/* The same, for an output that can go to stderr: a "yes" word means stderr (the trace). */
static bool parse_output(const char *s, const char **out) {
  bool on;
  if (parse_bool(s, &on) && on) s = "stderr";
  return parse_file(s, out);
}

static bool parse_kinds(const char *s, unsigned *out) { return hg_parse_leak_kinds(s, strlen(s), out); }
static bool parse_heur(const char *s, unsigned *out) { return hg_parse_heuristics(s, strlen(s), out); }

static const char *const stats_names[] = { "off", "text", "json" };
/* (No table of the two words: its pointers would be relocated, in the relro page.) */
static bool parse_gen(const char *s, bool *out) {
  if (strcmp(s, "no") != 0 && strcmp(s, "all") != 0) return false;
  *out = s[0] == 'a';
  return true;
}
static bool parse_stats(const char *s, unsigned *out) { return parse_word(s, out, stats_names, 3); }

/* Signals: the syntax is numparse.h's, shared with the CLI's stats --signal. */
static bool parse_signal(const char *s, size_t *out) { return hg_parse_signal(s, out); }

static const char *const type_help[] = { [0] = "a size such as 65536, 64K or 2MiB",
                                         [1] = "1/0, true/false, on/off or yes/no",
                                         [2] = "a whole number",
                                         [3] = "run, check or guard",
                                         [4] = "no, summary or full",
                                         [5] = "a file name",
                                         [6] = "a file name, or empty or 0 for none",
                                         [7] = "off, text or json",
                                         [8] = ("a signal name such as USR1 or a number, not of a "
                                                "fault, KILL or STOP (0 or off: none)"),
                                         [9] = "after or before",
                                         [10] = "stderr or a file name (1: stderr), or empty or 0 for none",
                                         [11] = "1, 2, 4, 8 or 16",
                                         [12] = ("definite, indirect, possible and reachable, any of "
                                                 "them separated by commas, or all or none"),
                                         [13] = ("no or all (Valgrind's yes asks at each error: "
                                                 "there is no terminal to ask in)"),
                                         [14] = ("stdstring, length64, newarray and multipleinheritance, "
                                                 "any of them separated by commas, or all or none") };
#define TYPE_INDEX_size  0
#define TYPE_INDEX_bool  1
#define TYPE_INDEX_count 2
#define TYPE_INDEX_mode  3
#define TYPE_INDEX_leaks 4
#define TYPE_INDEX_path  5
#define TYPE_INDEX_file  6
#define TYPE_INDEX_stats 7
#define TYPE_INDEX_signal 8
#define TYPE_INDEX_side  9
#define TYPE_INDEX_output 10
#define TYPE_INDEX_align 11
#define TYPE_INDEX_kinds 12
#define TYPE_INDEX_gen   13
#define TYPE_INDEX_heur  14

/* Defaults as text, the way the README's table shows them. */
static size_t show_size(char *buf, size_t size, size_t v) {
  if (v && v % HG_MiB == 0) return hg_format(buf, size, "%zuM", v / HG_MiB);
  if (v && v % HG_KiB == 0) return hg_format(buf, size, "%zuK", v / HG_KiB);
  return hg_format(buf, size, "%zu", v);
}
static size_t show_bool(char *buf, size_t size, bool v) { return hg_format(buf, size, "%d", v); }
static size_t show_count(char *buf, size_t size, size_t v) { return hg_format(buf, size, "%zu", v); }
static size_t show_align(char *buf, size_t size, size_t v) { return show_count(buf, size, v); }
static size_t show_mode(char *buf, size_t size, unsigned v) { return hg_format(buf, size, "%s", mode_names[v]); }
static size_t show_side(char *buf, size_t size, unsigned v) { return hg_format(buf, size, "%s", side_names[v]); }
static size_t show_leaks(char *buf, size_t size, unsigned v) { return hg_format(buf, size, "%s", leaks_names[v]); }
static size_t show_path(char *buf, size_t size, const char *v) { return hg_format(buf, size, "%s", v ? v : "stderr"); }
static size_t show_file(char *buf, size_t size, const char *v) { return hg_format(buf, size, "%s", v ? v : "off"); }
static size_t show_output(char *buf, size_t size, const char *v) { return show_file(buf, size, v); }
static size_t show_gen(char *buf, size_t size, bool v) { return hg_format(buf, size, "%s", v ? "all" : "no"); }
static size_t show_stats(char *buf, size_t size, unsigned v) { return hg_format(buf, size, "%s", stats_names[v]); }
/* A set of words' bits: all, none, or the names of the bits set (names: n of them,
 * `width` bytes each).  Cold, as the other show_ functions are by being inlined into
 * the cold callers: as a function of its own in the hot text it made every
 * default-mode process map a seventh page of it (programs/resident). */
HG_COLD static size_t show_set(char *buf, size_t size, unsigned v, const char *names, size_t width, unsigned n) {
  if (v == (1u << n) - 1) return hg_format(buf, size, "all");
  if (!v) return hg_format(buf, size, "none");
  size_t len = 0;   /* (hg_format returns what it wrote: len stays below size) */
  for (unsigned k = 0; k < n; k++)
    if (v >> k & 1) len += hg_format(buf + len, size - len, "%s%s", len ? "," : "", names + k * width);
  return len;
}
HG_COLD static size_t show_kinds(char *buf, size_t size, unsigned v) {
  static const char names[4][10] = { "definite", "indirect", "possible", "reachable" };
  return show_set(buf, size, v, &names[0][0], sizeof names[0], 4);
}
HG_COLD static size_t show_heur(char *buf, size_t size, unsigned v) {
  static const char names[4][HG_HEUR_NAME_BYTES] = HG_HEUR_NAMES;
  return show_set(buf, size, v, &names[0][0], sizeof names[0], 4);
}
static size_t show_signal(char *buf, size_t size, size_t v) {
  return v ? hg_format(buf, size, "%zu", v) : hg_format(buf, size, "off");
}

/* Whether a parsed value is within the option's largest (max in HG_OPTIONS); only
 * sizes and counts have one (an alignment's is in its syntax). */
static bool in_range_size(size_t v, size_t max) { return v <= max; }
static bool in_range_count(size_t v, size_t max) { return v <= max; }
static bool in_range_align(size_t v, size_t max) { return v <= max; }
#define in_range_bool(v, max) ((void)(v), true)
#define in_range_mode(v, max) ((void)(v), true)
#define in_range_leaks(v, max) ((void)(v), true)
#define in_range_side(v, max) ((void)(v), true)
#define in_range_path(v, max) ((void)(v), true)
#define in_range_file(v, max) ((void)(v), true)
#define in_range_output(v, max) ((void)(v), true)
#define in_range_stats(v, max) ((void)(v), true)
#define in_range_signal(v, max) ((void)(v), true)
#define in_range_kinds(v, max) ((void)(v), true)
#define in_range_heur(v, max) ((void)(v), true)
#define in_range_gen(v, max) ((void)(v), true)

/* A well-formed value above the largest: the message gives the range. */
HG_COLD static void out_of_range(const char *env, const char *value, unsigned type, size_t max) {
  if (type == TYPE_INDEX_size)
    hg_message("ignoring HEAPGUARD_%s=%s: expected a size of at most %zu bytes", env, value, max);
  else
    hg_message("ignoring HEAPGUARD_%s=%s: expected a whole number from 0 to %zu", env, value, max);
}

/* Apply one "NAME=value" (NAME without the HEAPGUARD_ prefix).  Returns false if the
 * name is not an option of this table.  Optimised for speed (hot, though only a cold
 * function calls it), so that its name compares are immediates: optimised for size they
 * were calls to memcmp on string literals, which made the kernel map the library's whole
 * .rodata (36 KiB) into every process that sets an option.  heapguard.ld.in puts it
 * with the settings' text, not in the hot text. */
__attribute__((hot, noinline)) static bool apply(const char *name, size_t name_len, const char *value) {
#define X(field, env, type, def, max, doc)                                                  \
  if (name_len == sizeof(#env) - 1 && memcmp(name, #env, name_len) == 0) {                 \
    HG_OPT_FIELD_##type v;                                                                 \
    if (!parse_##type(value, &v))                                                          \
      hg_message("ignoring HEAPGUARD_%s=%s: expected %s", #env, value,                     \
                 type_help[TYPE_INDEX_##type]);                                            \
    else if (!in_range_##type(v, (max)))                                                   \
      out_of_range(#env, value, TYPE_INDEX_##type, (max));                                 \
    else {                                                                                 \
      hg_opt.field = v;                                                                    \
      if (strcmp(#env, "MMAP_THRESHOLD") == 0) hg_opt.mmap_threshold_fixed = true;         \
    }                                                                                      \
    return true;                                                                           \
  }
  HG_OPTIONS(X)
#undef X
  return false;
}

/* Names reserved for the CLI's modes, read elsewhere: not reported as unknown. */
HG_COLD static bool known_elsewhere(const char *name, size_t len) {
  static const char *const others[] = { "LIB" };
  for (unsigned i = 0; i < sizeof others / sizeof *others; i++)
    if (len == strlen(others[i]) && memcmp(name, others[i], len) == 0) return true;
  return false;
}

/* Does s start with "HEAPGUARD_"?  Compared a character at a time, with no string
 * literal: a literal lives in .rodata, and reading it at start-up made the kernel map
 * the library's whole read-only segment (36 KiB, by fault-around) into every process
 * that sets no option, where nothing else of the default mode reads it. */
static bool has_prefix(const char *s) {
  return s[0] == 'H' && s[1] == 'E' && s[2] == 'A' && s[3] == 'P' && s[4] == 'G' &&
         s[5] == 'U' && s[6] == 'A' && s[7] == 'R' && s[8] == 'D' && s[9] == '_';
}
#define PREFIX_LEN 10   /* strlen("HEAPGUARD_") */

/* The names one after another ("MMAP_THRESHOLD\0TRIM_THRESHOLD\0..."), not a table of
 * pointers, in a .rodata section of their own: the core objects' .rodata is renamed into
 * the relro part (Makefile: HOT_CONST), which every process writes and which must stay
 * within one page (programs/resident); the table took 296 bytes of it.  Only an unknown
 * name and the documentation test read them. */
__attribute__((section(".rodata.hg_option_names"))) static const char option_names[] =
#define X(field, env, type, def, max, doc) #env "\0"
  HG_OPTIONS(X)
#undef X
  ;
#define X(field, env, type, def, max, doc) +1
enum { NOPTIONS = 0 HG_OPTIONS(X) };
#undef X

static const char *next_name(const char *s) { return s + strlen(s) + 1; }

/* The option an unknown name was probably meant to be: the same letters and digits,
 * ignoring case and underscores (SAMPLERATE, sample_rate, Sample_Rate), so that a typo
 * is not just "ignored" but says what to write.  NULL if none. */
static const char *nearest_name(const char *name, size_t len) {
  const char *n = option_names;
  for (unsigned i = 0; i < NOPTIONS; i++, n = next_name(n)) {
    const char *a = name, *end = name + len, *b = n;
    for (;;) {
      while (a < end && *a == '_') a++;
      while (*b == '_') b++;
      if (a == end || !*b) break;
      char c = *a >= 'a' && *a <= 'z' ? (char)(*a - 'a' + 'A') : *a;
      if (c != *b) break;
      a++, b++;
    }
    if (a == end && !*b) return n;
  }
  return NULL;
}

/* One HEAPGUARD_ variable of the environment, from the name after the prefix.  Cold,
 * so that hg_options_init's own code stays as small as a process without settings
 * needs. */
HG_COLD static void apply_setting(const char *name) {
  const char *eq = strchr(name, '=');
  if (!eq) return;
  size_t len = (size_t)(eq - name);
  if (!apply(name, len, eq + 1) && !known_elsewhere(name, len)) {
    char shown[64];
    size_t n = len < sizeof shown - 1 ? len : sizeof shown - 1;
    memcpy(shown, name, n);
    shown[n] = '\0';
    const char *near = nearest_name(name, len);
    if (near)
      hg_message("ignoring unknown option HEAPGUARD_%s (did you mean HEAPGUARD_%s?)", shown, near);
    else
      hg_message("ignoring unknown option HEAPGUARD_%s", shown);
  }
}

/* ---- glibc's malloc settings from the environment ----------------------------------
 * A service tuned for glibc's malloc keeps the tuning heapguard can honour: the four
 * settings mallopt also takes (compat.c), by their environment names (MALLOC_TOP_PAD_
 * and the like) and as tunables (GLIBC_TUNABLES=glibc.malloc.trim_threshold=...:...),
 * the tunables winning, as in glibc.  The others tune glibc's own design (arenas,
 * tcache, fastbins, perturb, check) and are left to it.  Values as glibc reads them, a
 * number in decimal or 0x hexadecimal; one it would refuse is ignored, silently as
 * glibc does: these variables are glibc's, and every program it starts inherits them.
 * Cold: a process that sets none never maps this code. */

/* As glibc, setting any of the four turns the dynamic mmap threshold off.  (mallopt's
 * too: in the warm text, heapguard.ld.in.) */
void hg_glibc_tune(int param, size_t value) {
  switch (param) {
  case M_MMAP_THRESHOLD: hg_opt.mmap_threshold = value; break;
  case M_TRIM_THRESHOLD: hg_opt.trim_threshold = value < HG_TRIM_NEVER ? value : HG_TRIM_NEVER; break;
  case M_TOP_PAD: hg_opt.top_pad = value < HG_TRIM_NEVER ? value : HG_TRIM_NEVER; break;
  case M_MMAP_MAX: hg_opt.mmap_max = value; break;
  default: return;
  }
  hg_opt.mmap_threshold_fixed = true;
}

/* The mallopt parameter of the glibc setting named [name, name + len) (a tunable's last
 * part, or an environment name without MALLOC_), or 0 (none of ours).  Hot, as apply
 * is, so that the compares are immediates: string literals would be read from .rodata,
 * which a process setting only glibc's variables would then map (64 KiB, by
 * fault-around). */
__attribute__((hot, noinline)) static int glibc_param(const char *name, size_t len, bool tunable) {
#define IS(word) (len == sizeof(word) - 1 && memcmp(name, word, len) == 0)
  if (tunable) {
    if (IS("mmap_threshold")) return M_MMAP_THRESHOLD;
    if (IS("trim_threshold")) return M_TRIM_THRESHOLD;
    if (IS("top_pad")) return M_TOP_PAD;
    if (IS("mmap_max")) return M_MMAP_MAX;
  } else {
    if (IS("MMAP_THRESHOLD_")) return M_MMAP_THRESHOLD;
    if (IS("TRIM_THRESHOLD_")) return M_TRIM_THRESHOLD;
    if (IS("TOP_PAD_")) return M_TOP_PAD;
    if (IS("MMAP_MAX_")) return M_MMAP_MAX;
  }
#undef IS
  return 0;
}

/* The setting named [name, name + len) set to the number at value (up to its end or a
 * ':'), if it is one of ours and that is a number. */
HG_COLD static void glibc_setting(const char *name, size_t len, const char *value, bool tunable) {
  int param = glibc_param(name, len, tunable);
  if (!param) return;
  size_t v = 0;
  const char *p = value;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    const char *start = p += 2;
    for (; *p && *p != ':'; p++) {
      unsigned c = (unsigned)*p | 0x20;   /* (lower case for letters) */
      unsigned d = *p >= '0' && *p <= '9' ? (unsigned)(*p - '0') : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 16;
      if (d > 15 || v > (SIZE_MAX - d) / 16) return;
      v = v * 16 + d;
    }
    if (p == start) return;
  } else if (!hg_parse_digits(&p, &v) || (*p && *p != ':')) {
    return;
  }
  hg_glibc_tune(param, v);
}

/* MALLOC_<name>=<value>, s after the MALLOC_. */
HG_COLD static void glibc_alias(const char *s) {
  const char *eq = strchr(s, '=');
  if (eq) glibc_setting(s, (size_t)(eq - s), eq + 1, false);
}

/* GLIBC_TUNABLES's value, name=value:name=value..., of which glibc.malloc.<setting>
 * (13 characters of prefix, compared in glibc_malloc: see glibc_param). */
__attribute__((hot, noinline)) static bool glibc_malloc(const char *t) { return memcmp(t, "glibc.malloc.", 13) == 0; }
HG_COLD static void glibc_tunables(const char *s) {
  for (const char *t = s; *t; t += *t == ':') {
    size_t len = 0, eq = 0;
    while (t[len] && t[len] != ':') {
      if (!eq && t[len] == '=') eq = len;
      len++;
    }
    if (eq > 13 && glibc_malloc(t)) glibc_setting(t + 13, eq - 13, t + eq + 1, true);
    t += len;
  }
}

/* Whether s may be one of the settings read here: HEAPGUARD_..., MALLOC_... or
 * GLIBC_TUNABLES, by their first three letters (few other names share them).  The test
 * every process makes of each variable (hot text, within its six pages); the rest is in
 * the settings text, which a process with none of them never maps. */
static bool maybe_setting(const char *s) {
  return (s[0] == 'H' && s[1] == 'E' && s[2] == 'A') || (s[0] == 'M' && s[1] == 'A' && s[2] == 'L') ||
         (s[0] == 'G' && s[1] == 'L' && s[2] == 'I');
}

/* glibc's settings first, then heapguard's, which win. */
HG_COLD static void settings_from_environ(void) {
  const char *tunables = NULL;
  for (char **e = environ; *e; e++) {
    const char *s = *e;
    if (s[0] == 'M' && s[1] == 'A' && s[2] == 'L' && s[3] == 'L' && s[4] == 'O' && s[5] == 'C' && s[6] == '_')
      glibc_alias(s + 7);
    else if (s[0] == 'G' && s[1] == 'L' && s[2] == 'I' && s[3] == 'B' && s[4] == 'C' && s[5] == '_' &&
             s[6] == 'T' && s[7] == 'U' && s[8] == 'N' && s[9] == 'A' && s[10] == 'B' && s[11] == 'L' &&
             s[12] == 'E' && s[13] == 'S' && s[14] == '=')
      tunables = s + 15;   /* (no string literal: .rodata, see glibc_param) */
  }
  if (tunables) glibc_tunables(tunables);
  for (char **e = environ; *e; e++)
    if (has_prefix(*e)) apply_setting(*e + PREFIX_LEN);
}

/* A setuid or setgid program (AT_SECURE: the kernel set it because the effective ids
 * differ from the real ones, or a security module asked) ignores every HEAPGUARD_
 * variable, as glibc's malloc ignores MALLOC_* there: they come from the unprivileged
 * user who started it, and the file options would have the privileged process create,
 * empty and append to any file the user names (HEAPGUARD_TRACE=/etc/shadow); and glibc's
 * own too.  (Optimized for size: it runs once, in the hot text, whose pages every
 * process maps.) */
#if defined(__clang__)
#define HG_ONCE_CODE __attribute__((minsize))
#else
#define HG_ONCE_CODE __attribute__((optimize("Os")))
#endif
HG_ONCE_CODE void hg_options_init(void) {
  if (!environ || getauxval(AT_SECURE)) return;
  for (char **e = environ; *e; e++)
    if (maybe_setting(*e)) {
      settings_from_environ();
      return;
    }
}


unsigned hg_options_count(void) { return NOPTIONS; }
const char *hg_options_name(unsigned i) {
  if (i >= NOPTIONS) return NULL;
  const char *n = option_names;
  while (i--) n = next_name(n);
  return n;
}

size_t hg_options_default_text(unsigned i, char *buf, size_t size) {
  unsigned k = 0;
#define X(field, env, type, def, max, doc)                                                  \
  if (k++ == i) return show_##type(buf, size, def);
  HG_OPTIONS(X)
#undef X
  return hg_format(buf, size, "?");
}

size_t hg_options_describe(char *buf, size_t size) {
  size_t n = 0;
  unsigned i = 0;
#define X(field, env, type, def, max, doc)                                                  \
  {                                                                                        \
    char shown[32];                                                                        \
    hg_options_default_text(i++, shown, sizeof shown);                                     \
    n += hg_format(buf + (n < size ? n : size), n < size ? size - n : 0,                  \
                   "HEAPGUARD_%s (%s, default %s)\n    %s\n", #env, #type, shown, doc);   \
  }
  HG_OPTIONS(X)
#undef X
  return n;
}

/* tests/fuzz/suppressions.c — libFuzzer driver for suppression files (supp_parse.h),
 * which the library reads at start from a path in its environment and parses in place,
 * and the CLI checks before the program runs: a file is the user's, and may be
 * anything.  Each input is
 *   - parsed whole as a file, into arrays of exactly hg_supp_lines' room (so ASan sees
 *     a write past them), and the result checked: every suppression's name, frames and
 *     patterns inside the text, frame ranges inside the frames written, counts within
 *     the room, a failure with its line inside the file and its text inside the input
 *     or a constant;
 *   - read as PATTERN '\n' SUBJECT, each cut at 64 bytes, and hg_supp_glob's answer
 *     compared with a reference written the slow way (a table of which prefixes
 *     match); and the same two as a suppression's frames and a stack, a character a
 *     frame ('*' "...", '?' a pattern any frame matches), for hg_supp_frames_match,
 *     which matches the stack's first frames: the reference with a '*' appended.
 * Built with nothing else: supp_parse.h and numparse.h are header-only. */
#include <stdio.h>
#include <stdlib.h>

#include "../../src/supp_parse.h"

/* Whether s lies in [lo, hi] (its NUL may be the text's last byte). */
static bool inside(const char *s, const char *lo, const char *hi) { return s >= lo && s <= hi; }

static void check_parse(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);   /* the text and the byte the parser makes its NUL */
  memcpy(text, data, size);
  size_t room = hg_supp_lines(text, size);
  struct hg_supp_parse p = { .supps = malloc(room * sizeof *p.supps),
                             .frames = malloc(room * sizeof *p.frames) };
  bool ok = hg_supp_parse(text, size, &p);
  const char *end = text + size;
  if (p.nsupps > room || p.nframes > room) abort();
  if (ok) {
    size_t frames = 0;
    for (size_t i = 0; i < p.nsupps; i++) {
      const struct hg_supp *s = &p.supps[i];
      if (!inside(s->name, text, end) || !*s->name || s->line == 0 || s->line > room) abort();
      if (s->nframes == 0 || s->first != frames || s->first + s->nframes > p.nframes) abort();
      if (s->kinds >> HG_SK_COUNT) abort();
      frames += s->nframes;
      for (unsigned k = s->first; k < s->first + s->nframes; k++) {
        const struct hg_supp_frame *f = &p.frames[k];
        if (f->type > HG_SF_DOTS || (f->type == HG_SF_DOTS) != (f->pat == NULL)) abort();
        if (f->pat && (!inside(f->pat, text, end) || !*f->pat)) abort();
        if (f->line && f->type != HG_SF_SRC) abort();
      }
    }
    /* (Another tool's suppressions add none: frames are only ever the counted ones.) */
    if (frames != p.nframes) abort();
  } else {
    if (!p.err || !p.err_text || p.err_line == 0 || p.err_line > room) abort();
    if (!inside(p.err_text, text, end) && strcmp(p.err_text, "{") != 0) abort();
  }
  free(p.supps);
  free(p.frames);
  free(text);
}

/* hg_supp_glob the slow way: m[i][j], whether p's first i characters match s's first j. */
#define GLOB_MAX 64
static bool ref_glob(const char *p, size_t np, const char *s, size_t ns) {
  static bool m[GLOB_MAX + 2][GLOB_MAX + 2];
  m[0][0] = true;
  for (size_t j = 1; j <= ns; j++) m[0][j] = false;
  for (size_t i = 1; i <= np; i++) {
    m[i][0] = p[i - 1] == '*' && m[i - 1][0];
    for (size_t j = 1; j <= ns; j++) {
      if (p[i - 1] == '*') m[i][j] = m[i - 1][j] || m[i][j - 1];
      else m[i][j] = (p[i - 1] == '?' || p[i - 1] == s[j - 1]) && m[i - 1][j - 1];
    }
  }
  return m[np][ns];
}

/* Frame j (the subject's character j) and pattern p (a character): the same, or '?'. */
static bool frame_is(const struct hg_supp_frame *p, unsigned j, const void *ctx) {
  return p->pat[0] == '?' || p->pat[0] == ((const char *)ctx)[j];
}

static void check_frames(const char *pat, size_t np, const char *subj, size_t ns) {
  struct hg_supp_frame frames[GLOB_MAX];
  char pats[GLOB_MAX][2];
  for (size_t i = 0; i < np; i++) {
    pats[i][0] = pat[i];
    pats[i][1] = '\0';
    frames[i] = pat[i] == '*' ? (struct hg_supp_frame){ NULL, HG_SF_DOTS, 0 }
                              : (struct hg_supp_frame){ pats[i], HG_SF_FUN, 0 };
  }
  char any_after[GLOB_MAX + 2];
  memcpy(any_after, pat, np);
  any_after[np] = '*';
  bool got = hg_supp_frames_match(frames, (unsigned)np, (unsigned)ns, frame_is, subj);
  bool want = ref_glob(any_after, np + 1, subj, ns);
  if (got != want) {
    fprintf(stderr, "hg_supp_frames_match(\"%s\", \"%s\") = %d, expected %d\n", pat, subj, got, want);
    abort();
  }
}

static void check_glob(const uint8_t *data, size_t size) {
  char pat[GLOB_MAX + 1], subj[GLOB_MAX + 1];
  size_t i = 0, np = 0, ns = 0;
  for (; i < size && data[i] != '\n'; i++)
    if (np < GLOB_MAX && data[i]) pat[np++] = (char)data[i];
  for (i++; i < size && data[i] != '\n'; i++)
    if (ns < GLOB_MAX && data[i]) subj[ns++] = (char)data[i];
  pat[np] = subj[ns] = '\0';
  bool got = hg_supp_glob(pat, subj), want = ref_glob(pat, np, subj, ns);
  if (got != want) {
    fprintf(stderr, "hg_supp_glob(\"%s\", \"%s\") = %d, expected %d\n", pat, subj, got, want);
    abort();
  }
  check_frames(pat, np, subj, ns);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 16384) return 0;
  check_parse(data, size);
  check_glob(data, size);
  return 0;
}

/* supp_parse.h — suppression files in Valgrind's syntax, parsed.  Shared by the
 * library (suppress.c) and the CLI's check of --suppressions (src/cli/main.c), so both
 * accept exactly the same files.  No allocation and no stdio: the text is parsed in
 * place (each line NUL-terminated where it stands, its blanks cut) into arrays the
 * caller provides; a suppression and a frame per line of text is always room enough.
 *
 *   {
 *      a name
 *      Tool[,Tool...]:Kind
 *      [one more line for Memcheck:Param; match-leak-kinds: LIST for a leak kind]
 *      fun:PATTERN | obj:PATTERN | src:FILE[:LINE] | ...      (one or more)
 *   }
 *
 * Blank lines and lines starting with '#' are skipped anywhere.  Tools: Memcheck (its
 * kinds mapped to heapguard's below) and heapguard (its kinds by the names reports
 * print); a suppression for any other tool is skipped to its '}' unread, as Valgrind
 * skips other tools' (one file can serve Helgrind too).  A kind heapguard never
 * reports (Memcheck's Cond, Value8, Param, Overlap, ...) is accepted and matches
 * nothing. */
#ifndef HG_SUPP_PARSE_H
#define HG_SUPP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "numparse.h"   /* match-leak-kinds: hg_parse_leak_kinds, HG_LEAK_KIND_ bits */

/* heapguard's error kinds, as reports print them; bit i of a suppression's kinds is
 * kind i.  fatal-signal is accepted and never suppressed (the program dies anyway). */
#define HG_SUPP_KIND_NAMES                                                               \
  "heap-buffer-overflow", "heap-buffer-underflow", "heap-use-after-free", "double-free",  \
      "invalid-free", "invalid-realloc", "invalid-pointer", "mismatched-free",             \
      "mismatched-delete-size", "mismatched-delete-alignment", "memory-leak", "fatal-signal"
#define HG_SUPP_KIND_LEN 28   /* the longest name's bytes, its NUL too */
/* (The tables here are of characters, not of pointers: a table of pointers is
 * relocated at load, in the library's relro page, which may then grow to two.) */
enum {
  HG_SK_OVERFLOW, HG_SK_UNDERFLOW, HG_SK_AFTER_FREE, HG_SK_DOUBLE_FREE, HG_SK_INVALID_FREE,
  HG_SK_INVALID_REALLOC, HG_SK_INVALID_POINTER, HG_SK_MISMATCHED_FREE, HG_SK_MISMATCHED_SIZE,
  HG_SK_MISMATCHED_ALIGN, HG_SK_LEAK, HG_SK_FATAL, HG_SK_COUNT
};

/* Kind name's HG_SK_ index; HG_SK_COUNT if it is none of them. */
static inline unsigned hg_supp_kind_index(const char *kind) {
  static const char names[HG_SK_COUNT][HG_SUPP_KIND_LEN] = { HG_SUPP_KIND_NAMES };
  for (unsigned i = 0; i < HG_SK_COUNT; i++)
    if (strcmp(kind, names[i]) == 0) return i;
  return HG_SK_COUNT;
}

enum { HG_SF_FUN, HG_SF_OBJ, HG_SF_SRC, HG_SF_DOTS };
struct hg_supp_frame {
  const char *pat;   /* NULL for "..." */
  unsigned type;     /* HG_SF_* */
  unsigned line;     /* src:FILE:LINE's line; 0: any */
};

struct hg_supp {
  const char *name;
  uint32_t kinds;        /* bits of HG_SK_*; 0: matches nothing */
  unsigned leak_kinds;   /* HG_LEAK_KIND_ bits (all without match-leak-kinds) */
  unsigned line;         /* of its '{' */
  unsigned first, nframes;   /* its frames in the parse's array */
  size_t used;           /* errors it suppressed (the library's) */
};

struct hg_supp_parse {
  struct hg_supp *supps;          /* room: hg_supp_lines */
  struct hg_supp_frame *frames;   /* the same */
  size_t nsupps, nframes;
  unsigned err_line;              /* a syntax error: its line, what is wrong, the line's text */
  const char *err;
  const char *err_text;
};

/* An upper bound on the suppressions and frames text[0..len) holds: its lines. */
static inline size_t hg_supp_lines(const char *text, size_t len) {
  size_t n = 1;
  for (size_t i = 0; i < len; i++) n += text[i] == '\n';
  return n;
}

struct hg_supp_cursor { char *p, *end; unsigned line; };

/* The next line that is neither blank nor a comment, its blanks cut and NUL-terminated
 * in place; NULL at the end of the text. */
static inline char *hg_supp_next_line(struct hg_supp_cursor *c) {
  while (c->p < c->end) {
    char *s = c->p, *e = s;
    while (e < c->end && *e != '\n') e++;
    c->p = e < c->end ? e + 1 : e;
    c->line++;
    *e = '\0';   /* (the caller's buffer has a byte past the text's end) */
    while (*s == ' ' || *s == '\t' || *s == '\r') s++;
    char *t = s + strlen(s);
    while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r')) *--t = '\0';
    if (*s && *s != '#') return s;
  }
  return NULL;
}

/* The kinds Memcheck's kind name stands for; false if Memcheck has no such kind. */
static inline bool hg_supp_memcheck_kind(const char *k, uint32_t *kinds) {
  static const char never[][12] = { "Cond", "Value0", "Value1", "Value2", "Value4", "Value8",
                                       "Value16", "Value32", "Jump", "Param", "Overlap",
                                       "CoreMem", "User", "Mempool", "FishyValue", "ReallocZero" };
  static const char addr[][8] = { "Addr1", "Addr2", "Addr4", "Addr8", "Addr16", "Addr32" };
  *kinds = 0;
  for (size_t i = 0; i < sizeof never / sizeof *never; i++)
    if (strcmp(k, never[i]) == 0) return true;
  /* An invalid read or write: heapguard's overflow, underflow or use after free (it
   * does not know the access's size when it finds it afterwards). */
  for (size_t i = 0; i < sizeof addr / sizeof *addr; i++)
    if (strcmp(k, addr[i]) == 0) {
      *kinds = 1u << HG_SK_OVERFLOW | 1u << HG_SK_UNDERFLOW | 1u << HG_SK_AFTER_FREE;
      return true;
    }
  if (strcmp(k, "Free") == 0) {   /* invalid and double frees, mismatched deallocations */
    *kinds = 1u << HG_SK_DOUBLE_FREE | 1u << HG_SK_INVALID_FREE | 1u << HG_SK_INVALID_REALLOC |
             1u << HG_SK_MISMATCHED_FREE | 1u << HG_SK_MISMATCHED_SIZE | 1u << HG_SK_MISMATCHED_ALIGN;
    return true;
  }
  if (strcmp(k, "Leak") == 0) *kinds = 1u << HG_SK_LEAK;
  else if (strcmp(k, "SizeMismatch") == 0) *kinds = 1u << HG_SK_MISMATCHED_SIZE;
  else if (strcmp(k, "AlignMismatch") == 0) *kinds = 1u << HG_SK_MISMATCHED_ALIGN;
  else return false;
  return true;
}

static inline bool hg_supp_own_kind(const char *k, uint32_t *kinds) {
  static const char names[HG_SK_COUNT][HG_SUPP_KIND_LEN] = { HG_SUPP_KIND_NAMES };
  for (unsigned i = 0; i < HG_SK_COUNT; i++)
    if (strcmp(k, names[i]) == 0) {
      *kinds = 1u << i;
      return true;
    }
  return false;
}

static inline bool hg_supp_fail(struct hg_supp_parse *p, unsigned line, const char *err, const char *text) {
  p->err_line = line;
  p->err = err;
  p->err_text = text;
  return false;
}

/* The length of s's first run of characters not in stops (strcspn, which the library
 * does not import: one import more is a symbol lookup and an IFUNC resolver in every
 * process that loads it, about 1,300 instructions at start; see children.c). */
static inline size_t hg_supp_span(const char *s, const char *stops) {
  size_t n = 0;
  while (s[n] && !__builtin_strchr(stops, s[n])) n++;
  return n;
}

/* The kind line "Tool[,Tool...]:Kind": *kinds, whether any tool is one of heapguard's
 * two (*ours), and whether the kind is Memcheck's Param (one more line follows) or a
 * leak kind (match-leak-kinds may follow).  False, with p's error set, if it is
 * malformed or a kind neither Memcheck nor heapguard has for one of theirs. */
static inline bool hg_supp_kind_line(struct hg_supp_parse *p, unsigned line, char *s, uint32_t *kinds,
                                     bool *ours, bool *param, bool *leak) {
  char *colon = strrchr(s, ':');
  *kinds = 0;
  *ours = *param = *leak = false;
  if (!colon || colon == s || !colon[1])
    return hg_supp_fail(p, line, "expected the error kind as Tool:Kind (Memcheck:Leak, heapguard:double-free)", s);
  const char *kind = colon + 1;
  bool known = false;
  for (char *t = s; t < colon;) {
    size_t len = hg_supp_span(t, ",:");
    if (t + len > colon) len = (size_t)(colon - t);
    uint32_t k = 0;
    if (len == 8 && memcmp(t, "Memcheck", 8) == 0) {
      *ours = true;
      if (hg_supp_memcheck_kind(kind, &k)) known = true;
      if (strcmp(kind, "Param") == 0) *param = true;
    } else if (len == 9 && memcmp(t, "heapguard", 9) == 0) {
      *ours = true;
      if (hg_supp_own_kind(kind, &k) || hg_supp_memcheck_kind(kind, &k)) known = true;
    }
    *kinds |= k;
    t += len;
    if (t < colon) t++;
  }
  if (*ours && !known)
    return hg_supp_fail(p, line, "unknown error kind (heapguard's are the names its reports print, "
                                 "such as memory-leak or double-free; Memcheck's are Leak, Free, "
                                 "Addr1..Addr32, Cond, Value1..Value32, Param, ...)", kind);
  *leak = (*kinds >> HG_SK_LEAK) & 1;
  return true;
}

/* Valgrind's wildcards in a frame's pattern: '*' any run of characters, '?' any one.
 * (Here with the parser for tests/fuzz/suppressions.c, which checks it against a
 * reference.)  Backtracking to the last '*' only: a later star can take all an
 * earlier one would, so the match takes O(|p| |s|) steps at worst, never exponential. */
static inline bool hg_supp_glob(const char *p, const char *s) {
  const char *star = NULL, *resume = NULL;
  while (*s) {
    if (*p == '*') {
      star = p++;
      resume = s;
    } else if (*p == '?' || *p == *s) {
      p++;
      s++;
    } else if (star) {
      p = star + 1;
      s = ++resume;
    } else {
      return false;
    }
  }
  while (*p == '*') p++;
  return !*p;
}

/* Whether a suppression's frame patterns p[0..np) match the first frames of a stack of
 * nf frames (it may have more), matches(p, j, ctx) saying whether pattern p matches
 * frame j: "..." stands for any number of frames, none too.  As hg_supp_glob, with
 * frames for characters: on a mismatch only the last "..." takes one frame more, so at
 * most np * nf tests.  (Trying every split at every "..." was exponential in their
 * number: 24 of them, each before a fun:re*, against a 64-frame stack that no
 * suppression ends up matching, ran for minutes at the program's first error.) */
static inline bool hg_supp_frames_match(const struct hg_supp_frame *p, unsigned np, unsigned nf,
                                        bool (*matches)(const struct hg_supp_frame *, unsigned, const void *),
                                        const void *ctx) {
  unsigned i = 0, j = 0, resume = 0;
  bool star = false;
  unsigned after_star = 0;   /* the pattern after the last "..." */
  while (i < np) {
    if (p[i].type == HG_SF_DOTS) {
      star = true;
      after_star = ++i;
      resume = j;
    } else if (j < nf && matches(&p[i], j, ctx)) {
      i++;
      j++;
    } else if (star && resume < nf) {
      i = after_star;
      j = ++resume;
    } else {
      return false;
    }
  }
  return true;   /* the stack's other frames: any */
}

/* Parse text[0..len) (text[len] must be writable: a NUL goes there).  False on the first
 * syntax error, with p->err_line, p->err and p->err_text set. */
static inline bool hg_supp_parse(char *text, size_t len, struct hg_supp_parse *p) {
  struct hg_supp_cursor c = { text, text + len, 0 };
  text[len] = '\0';
  p->nsupps = p->nframes = 0;
  char *s;
  while ((s = hg_supp_next_line(&c)) != NULL) {
    unsigned open = c.line;
    if (strcmp(s, "{") != 0) return hg_supp_fail(p, c.line, "expected '{' to start a suppression", s);
    char *name = hg_supp_next_line(&c);
    if (!name) return hg_supp_fail(p, open, "the file ends inside a suppression (no '}')", "{");
    if (strcmp(name, "}") == 0 || strcmp(name, "{") == 0)
      return hg_supp_fail(p, c.line, "expected the suppression's name", name);
    char *kline = hg_supp_next_line(&c);
    if (!kline) return hg_supp_fail(p, open, "the file ends inside a suppression (no '}')", "{");
    uint32_t kinds;
    bool ours, param, leak;
    if (!hg_supp_kind_line(p, c.line, kline, &kinds, &ours, &param, &leak)) return false;
    struct hg_supp *sp = &p->supps[p->nsupps];
    *sp = (struct hg_supp){ name, kinds, HG_LEAK_KIND_ALL, open, (unsigned)p->nframes, 0, 0 };
    char *f = hg_supp_next_line(&c);
    if (!ours) {   /* another tool's: skipped to its end, as Valgrind does */
      while (f && strcmp(f, "}") != 0) f = hg_supp_next_line(&c);
      if (!f) return hg_supp_fail(p, open, "the file ends inside a suppression (no '}')", "{");
      continue;
    }
    if (f && param) f = hg_supp_next_line(&c);   /* Param's system call and argument */
    if (f && strncmp(f, "match-leak-kinds:", 17) == 0) {
      if (!leak) return hg_supp_fail(p, c.line, "match-leak-kinds is for a leak kind (Memcheck:Leak, "
                                                "heapguard:memory-leak) only", f);
      const char *list = f + 17;
      while (*list == ' ' || *list == '\t') list++;
      if (!hg_parse_leak_kinds(list, strlen(list), &sp->leak_kinds))
        return hg_supp_fail(p, c.line, "expected match-leak-kinds: definite, indirect, possible "
                                       "and reachable, any of them separated by commas, or all", f);
      f = hg_supp_next_line(&c);
    }
    for (;; f = hg_supp_next_line(&c)) {
      if (!f) return hg_supp_fail(p, open, "the file ends inside a suppression (no '}')", "{");
      if (strcmp(f, "}") == 0) break;
      struct hg_supp_frame *fr = &p->frames[p->nframes];
      *fr = (struct hg_supp_frame){ NULL, HG_SF_DOTS, 0 };
      if (strcmp(f, "...") == 0) {
      } else if (strncmp(f, "fun:", 4) == 0 && f[4]) {
        *fr = (struct hg_supp_frame){ f + 4, HG_SF_FUN, 0 };
      } else if (strncmp(f, "obj:", 4) == 0 && f[4]) {
        *fr = (struct hg_supp_frame){ f + 4, HG_SF_OBJ, 0 };
      } else if (strncmp(f, "src:", 4) == 0 && f[4]) {
        *fr = (struct hg_supp_frame){ f + 4, HG_SF_SRC, 0 };
        char *colon = strrchr(f + 4, ':');
        if (colon && colon[1]) {   /* src:FILE:LINE */
          unsigned n = 0;
          const char *d = colon + 1;
          while (*d >= '0' && *d <= '9' && n < 100000000) n = n * 10 + (unsigned)(*d++ - '0');
          /* (src::12 would leave an empty FILE, which no frame has: refused, as src: is) */
          if (*d || n == 0 || colon == f + 4)
            return hg_supp_fail(p, c.line, "expected src:FILE or src:FILE:LINE, LINE a number", f);
          *colon = '\0';
          fr->line = n;
        }
      } else {
        return hg_supp_fail(p, c.line, "expected a frame: fun:PATTERN, obj:PATTERN, src:FILE[:LINE], "
                                       "'...' or '}'", f);
      }
      p->nframes++;
      sp->nframes++;
    }
    if (!sp->nframes) return hg_supp_fail(p, c.line, "a suppression needs at least one frame line", f);
    p->nsupps++;
  }
  return true;
}

#endif

/* json.c — the strict JSON reader and writer of json.h. */
#include "json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void json_reader_init(struct json_reader *r, const char *text, size_t len) {
  memset(r, 0, sizeof *r);
  r->p = text;
  r->end = text + len;
  r->line_start = text;
  r->line = 1;
}

/* Record an error at the current position; always returns -1.  An error found at the
 * end of the text means the text was cut short inside a value. */
static int fail(struct json_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct json_reader *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->error, sizeof r->error, fmt, ap);
  va_end(ap);
  r->error_line = r->line;
  r->error_col = (int)(r->p - r->line_start) + 1;
  r->truncated = r->p >= r->end;
  return -1;
}

/* What the character at p is, for messages. */
static const char *describe(const struct json_reader *r, char *buf, size_t size) {
  if (r->p >= r->end) return "the end of the input";
  unsigned char c = (unsigned char)*r->p;
  if (c >= 0x20 && c < 0x7f)
    snprintf(buf, size, "'%c'", c);
  else
    snprintf(buf, size, "byte 0x%02x", c);
  return buf;
}

static void skip_space(struct json_reader *r) {
  for (; r->p < r->end; r->p++) {
    if (*r->p == '\n') {
      r->line++;
      r->line_start = r->p + 1;
    } else if (*r->p != ' ' && *r->p != '\t' && *r->p != '\r') {
      break;
    }
  }
}

static bool literal(struct json_reader *r, const char *word) {
  size_t len = strlen(word);
  size_t left = (size_t)(r->end - r->p);
  if (left < len) {
    /* a prefix of the word at the end of the text: cut short */
    if (memcmp(r->p, word, left) == 0) r->p = r->end;
    return false;
  }
  if (memcmp(r->p, word, len) != 0) return false;
  r->p += len;
  return true;
}

static bool digit_at(const char *q, const char *end) { return q < end && *q >= '0' && *q <= '9'; }

static const char *skip_digits(const char *q, const char *end) {
  while (digit_at(q, end)) q++;
  return q;
}

/* fail() with msg at q, inside a number; returns NULL for number_end. */
static const char *number_error(struct json_reader *r, const char *q, const char *msg) {
  r->p = q;
  fail(r, "%s", msg);
  return NULL;
}

/* The end of the number at r->p, by JSON's grammar:
 * -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?  NULL after an error (fail), with r->p
 * at the character at fault. */
static const char *number_end(struct json_reader *r) {
  const char *q = r->p;
  if (q < r->end && *q == '-') q++;
  if (q < r->end && *q == '0') {
    q++;
  } else if (digit_at(q, r->end)) {
    q = skip_digits(q, r->end);
  } else {
    return number_error(r, q, "a number needs a digit here");
  }
  if (digit_at(q, r->end)) return number_error(r, q, "a number cannot have a leading zero");
  if (q < r->end && *q == '.') {
    q++;
    if (!digit_at(q, r->end)) return number_error(r, q, "a number needs a digit after '.'");
    q = skip_digits(q, r->end);
  }
  if (q < r->end && (*q == 'e' || *q == 'E')) {
    q++;
    if (q < r->end && (*q == '+' || *q == '-')) q++;
    if (!digit_at(q, r->end)) return number_error(r, q, "a number needs a digit in its exponent");
    q = skip_digits(q, r->end);
  }
  return q;
}

static int parse_number(struct json_reader *r, struct json *v) {
  const char *s = r->p, *q = number_end(r);
  if (!q) return -1;
  /* strtod needs a terminated copy; numbers are short */
  char buf[64];
  if ((size_t)(q - s) >= sizeof buf) return fail(r, "number too long");
  memcpy(buf, s, (size_t)(q - s));
  buf[q - s] = '\0';
  errno = 0;
  v->number = strtod(buf, NULL);
  if (errno == ERANGE && (v->number > 1 || v->number < -1)) return fail(r, "number out of range");
  v->type = JSON_NUMBER;
  r->p = q;
  return 1;
}

static int hex4(struct json_reader *r, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++, r->p++) {
    if (r->p >= r->end) return fail(r, "unterminated \\u escape");
    char c = *r->p;
    unsigned d;
    if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') d = (unsigned)(c - 'A' + 10);
    else return fail(r, "\\u needs four hexadecimal digits");
    v = v * 16 + d;
  }
  *out = v;
  return 1;
}

/* The code point of a \u escape, r->p just after its 'u'; a high surrogate must be
 * followed by a \u low one, and the pair is joined into one code point. */
static int parse_u_escape(struct json_reader *r, unsigned *out) {
  unsigned cp, lo;
  if (hex4(r, &cp) < 0) return -1;
  if (cp >= 0xdc00 && cp <= 0xdfff) return fail(r, "a lone low surrogate \\u%04x", cp);
  if (cp >= 0xd800 && cp <= 0xdbff) {
    if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u') {
      if (r->end - r->p < 2) r->p = r->end;   /* cut short: the text may have gone on */
      return fail(r, "a high surrogate \\u%04x needs a low one after it", cp);
    }
    r->p += 2;
    if (hex4(r, &lo) < 0) return -1;
    if (lo < 0xdc00 || lo > 0xdfff) return fail(r, "a high surrogate \\u%04x needs a low one after it", cp);
    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
  }
  if (cp == 0) return fail(r, "\\u0000 is not supported");   /* strings are NUL-terminated */
  *out = cp;
  return 1;
}

/* cp in UTF-8 at w; returns the end.  Never longer than its escape: 1 to 3 bytes for
 * the 6 of \uXXXX, 4 for the 12 of a surrogate pair. */
static char *put_utf8(char *w, unsigned cp) {
  if (cp < 0x80) {
    *w++ = (char)cp;
  } else if (cp < 0x800) {
    *w++ = (char)(0xc0 | cp >> 6);
    *w++ = (char)(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    *w++ = (char)(0xe0 | cp >> 12);
    *w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
    *w++ = (char)(0x80 | (cp & 0x3f));
  } else {
    *w++ = (char)(0xf0 | cp >> 18);
    *w++ = (char)(0x80 | ((cp >> 12) & 0x3f));
    *w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
    *w++ = (char)(0x80 | (cp & 0x3f));
  }
  return w;
}

/* One escape, r->p just after its backslash, decoded at *w (which moves on). */
static int parse_escape(struct json_reader *r, char **w) {
  if (r->p >= r->end) return fail(r, "unterminated string");
  char e = *r->p++;
  char c;
  switch (e) {
  case '"': c = '"'; break;
  case '\\': c = '\\'; break;
  case '/': c = '/'; break;
  case 'b': c = '\b'; break;
  case 'f': c = '\f'; break;
  case 'n': c = '\n'; break;
  case 'r': c = '\r'; break;
  case 't': c = '\t'; break;
  case 'u': {
    unsigned cp = 0;   /* set when parse_u_escape succeeds (gcc cannot tell) */
    if (parse_u_escape(r, &cp) < 0) return -1;
    *w = put_utf8(*w, cp);
    return 1;
  }
  default:
    r->p--;   /* the error points at the escape's letter */
    return fail(r, "unknown escape '\\%c'", e >= 0x20 && e < 0x7f ? e : '?');
  }
  *(*w)++ = c;
  return 1;
}

/* The characters of a string, r->p just after its opening quote, decoded into buf
 * (which has room for as many bytes as the source has up to the closing quote) and
 * NUL-terminated; r->p ends after the closing quote. */
static int decode_string(struct json_reader *r, char *buf) {
  char *w = buf;
  for (;;) {
    if (r->p >= r->end) return fail(r, "unterminated string");
    unsigned char c = (unsigned char)*r->p;
    if (c == '"') break;
    if (c < 0x20)
      return fail(r, c == '\n' ? "unterminated string (a newline inside it)"
                              : "a control character in a string must be escaped");
    r->p++;
    if (c == '\\') {
      if (parse_escape(r, &w) < 0) return -1;
    } else {
      *w++ = (char)c;
    }
  }
  r->p++;   /* the closing quote */
  *w = '\0';
  return 1;
}

/* A string starting at the opening quote; *out is malloc'd. */
static int parse_string(struct json_reader *r, char **out) {
  const char *start = ++r->p;
  /* the decoded text is never longer than the source up to the closing quote */
  const char *close = start;
  while (close < r->end && *close != '"') close += *close == '\\' && close + 1 < r->end ? 2 : 1;
  char *buf = malloc((size_t)(close - start) + 1);
  if (!buf) return fail(r, "out of memory");
  if (decode_string(r, buf) < 0) {
    free(buf);
    return -1;
  }
  *out = buf;
  return 1;
}

static int parse_value(struct json_reader *r, struct json *v);

/* Append a zeroed slot to v's items (and keys, for an object); NULL when out of memory. */
static struct json *push(struct json *v, size_t *cap) {
  if (v->n == *cap) {
    size_t n = *cap ? *cap * 2 : 8;
    struct json *items = realloc(v->items, n * sizeof *items);
    if (!items) return NULL;
    v->items = items;
    if (v->type == JSON_OBJECT) {
      char **keys = realloc(v->keys, n * sizeof *keys);
      if (!keys) return NULL;
      v->keys = keys;
    }
    *cap = n;
  }
  struct json *slot = &v->items[v->n];
  memset(slot, 0, sizeof *slot);
  if (v->type == JSON_OBJECT) v->keys[v->n] = NULL;
  v->n++;
  return slot;
}

static int parse_container(struct json_reader *r, struct json *v) {
  bool object = *r->p == '{';
  char close = object ? '}' : ']';
  char what[24];
  v->type = object ? JSON_OBJECT : JSON_ARRAY;
  if (++r->depth > JSON_MAX_DEPTH) return fail(r, "nested more than %d deep", JSON_MAX_DEPTH);
  r->p++;
  size_t cap = 0;
  skip_space(r);
  if (r->p < r->end && *r->p == close) {
    r->p++;
    r->depth--;
    return 1;
  }
  for (;;) {
    char *key = NULL;
    if (object) {
      if (r->p >= r->end || *r->p != '"')
        return fail(r, "expected a member name in quotes, found %s", describe(r, what, sizeof what));
      if (parse_string(r, &key) < 0) return -1;
      skip_space(r);
      if (r->p >= r->end || *r->p != ':') {
        free(key);
        return fail(r, "expected ':' after a member name, found %s", describe(r, what, sizeof what));
      }
      r->p++;
      skip_space(r);
    }
    struct json *item = push(v, &cap);
    if (!item) {
      free(key);
      return fail(r, "out of memory");
    }
    if (object) v->keys[v->n - 1] = key;
    if (parse_value(r, item) < 0) return -1;
    skip_space(r);
    if (r->p < r->end && *r->p == ',') {
      r->p++;
      skip_space(r);
      continue;
    }
    if (r->p < r->end && *r->p == close) break;
    return fail(r, object ? "expected ',' or '}' in an object, found %s"
                          : "expected ',' or ']' in an array, found %s",
                describe(r, what, sizeof what));
  }
  r->p++;
  r->depth--;
  return 1;
}

static int parse_value(struct json_reader *r, struct json *v) {
  char what[24];
  memset(v, 0, sizeof *v);
  v->line = r->line;
  if (r->p >= r->end) return fail(r, "expected a value, found the end of the input");
  switch (*r->p) {
  case '{': case '[':
    return parse_container(r, v);
  case '"':
    v->type = JSON_STRING;
    return parse_string(r, &v->string);
  case 't':
    v->type = JSON_TRUE;
    return literal(r, "true") ? 1 : fail(r, "expected 'true'");
  case 'f':
    v->type = JSON_FALSE;
    return literal(r, "false") ? 1 : fail(r, "expected 'false'");
  case 'n':
    v->type = JSON_NULL;
    return literal(r, "null") ? 1 : fail(r, "expected 'null'");
  default:
    if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) return parse_number(r, v);
    return fail(r, "expected a value, found %s", describe(r, what, sizeof what));
  }
}

int json_next(struct json_reader *r, struct json *v) {
  memset(v, 0, sizeof *v);
  skip_space(r);
  if (r->p >= r->end) return 0;
  r->depth = 0;
  r->value_line = r->line;
  if (parse_value(r, v) < 0) {
    json_free(v);
    return -1;
  }
  /* values of a sequence are separated by white space */
  if (r->p < r->end && *r->p != ' ' && *r->p != '\t' && *r->p != '\r' && *r->p != '\n') {
    char what[24];
    json_free(v);
    return fail(r, "expected the end of the line after a value, found %s", describe(r, what, sizeof what));
  }
  return 1;
}

void json_free(struct json *v) {
  if (!v) return;
  free(v->string);
  for (size_t i = 0; i < v->n; i++) {
    json_free(&v->items[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  memset(v, 0, sizeof *v);
}

const struct json *json_get(const struct json *obj, const char *key) {
  if (!obj || obj->type != JSON_OBJECT) return NULL;
  for (size_t i = 0; i < obj->n; i++)
    if (obj->keys[i] && strcmp(obj->keys[i], key) == 0) return &obj->items[i];
  return NULL;
}

bool json_get_number(const struct json *obj, const char *key, double *out) {
  const struct json *v = json_get(obj, key);
  if (!v || v->type != JSON_NUMBER) return false;
  *out = v->number;
  return true;
}

const char *json_type_name(enum json_type type) {
  switch (type) {
  case JSON_NULL: return "null";
  case JSON_FALSE: case JSON_TRUE: return "a boolean";
  case JSON_NUMBER: return "a number";
  case JSON_STRING: return "a string";
  case JSON_ARRAY: return "an array";
  case JSON_OBJECT: return "an object";
  }
  return "?";
}

void json_write_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    switch (c) {
    case '"': fputs("\\\"", f); break;
    case '\\': fputs("\\\\", f); break;
    case '\n': fputs("\\n", f); break;
    case '\t': fputs("\\t", f); break;
    case '<': case '>': case '&': fprintf(f, "\\u%04x", c); break;
    default:
      if (c < 0x20)
        fprintf(f, "\\u%04x", c);
      else
        fputc(c, f);
    }
  }
  fputc('"', f);
}

void json_write_number(FILE *f, double v) {
  if (v != v || v > 1.7e308 || v < -1.7e308) {   /* never produced by the reader */
    fputs("null", f);
  } else if (v >= -9007199254740992.0 && v <= 9007199254740992.0 && v == (double)(int64_t)v) {
    fprintf(f, "%lld", (long long)v);
  } else {
    fprintf(f, "%.15g", v);
  }
}

void json_write(FILE *f, const struct json *v) {
  switch (v->type) {
  case JSON_NULL: fputs("null", f); break;
  case JSON_FALSE: fputs("false", f); break;
  case JSON_TRUE: fputs("true", f); break;
  case JSON_NUMBER: json_write_number(f, v->number); break;
  case JSON_STRING: json_write_string(f, v->string); break;
  case JSON_ARRAY: case JSON_OBJECT:
    fputc(v->type == JSON_ARRAY ? '[' : '{', f);
    for (size_t i = 0; i < v->n; i++) {
      if (i) fputc(',', f);
      if (v->type == JSON_OBJECT) {
        json_write_string(f, v->keys[i]);
        fputc(':', f);
      }
      json_write(f, &v->items[i]);
    }
    fputc(v->type == JSON_ARRAY ? ']' : '}', f);
    break;
  }
}

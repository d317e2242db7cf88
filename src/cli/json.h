/* json.h — a small, strict JSON reader (and the writing helpers) for the CLI.
 *
 * It reads a sequence of JSON values separated by white space (JSON Lines is one such
 * sequence), one value per call, so a file whose last value is cut short still yields
 * every complete value before it.  Strict: RFC 8259 grammar only (no comments, no
 * trailing commas, no NaN, no leading zeros, no raw control characters in strings,
 * no lone surrogates), nesting at most JSON_MAX_DEPTH deep.  Numbers are doubles.
 *
 * The CLI is an ordinary program: values are malloc'd trees, freed by json_free. */
#ifndef HG_CLI_JSON_H
#define HG_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 64

enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
  enum json_type type;
  int line;              /* the line (from 1) where the value starts */
  double number;         /* JSON_NUMBER */
  char *string;          /* JSON_STRING: UTF-8, NUL-terminated (\u0000 is refused) */
  size_t n;              /* JSON_ARRAY, JSON_OBJECT: number of items / members */
  struct json *items;    /* JSON_ARRAY: the items; JSON_OBJECT: the members' values */
  char **keys;           /* JSON_OBJECT: keys[i] names items[i] */
};

struct json_reader {
  const char *p, *end;   /* what is left of the text */
  const char *line_start;
  int line;
  int depth;
  int value_line;        /* the line where the last value json_next began starts */
  /* After json_next returned -1: what is wrong, where (line and byte column, from 1),
   * and whether the text simply ended inside a value (a file cut short). */
  char error[160];
  int error_line, error_col;
  bool truncated;
};

/* Read text[0..len) (it need not be NUL-terminated; it must outlive the reader). */
void json_reader_init(struct json_reader *r, const char *text, size_t len);

/* The next value: 1 and *v filled (free it with json_free), 0 at the end of the text
 * (nothing but white space left), -1 on an error (see struct json_reader). */
int json_next(struct json_reader *r, struct json *v);

void json_free(struct json *v);

/* The member `key` of an object (the first one, if repeated), or NULL. */
const struct json *json_get(const struct json *obj, const char *key);

/* The number member `key`, if obj is an object that has one. */
bool json_get_number(const struct json *obj, const char *key, double *out);

/* "null", "a number", ... for messages. */
const char *json_type_name(enum json_type type);

/* Write s as a JSON string, safe inside an HTML <script> element: '<', '>' and '&'
 * are written as \u escapes, so the text can never close the element. */
void json_write_string(FILE *f, const char *s);

/* Write a number: integers exactly (to 2^53), others with 15 significant digits. */
void json_write_number(FILE *f, double v);

/* Write any value (as compact JSON, strings as json_write_string). */
void json_write(FILE *f, const struct json *v);

#endif

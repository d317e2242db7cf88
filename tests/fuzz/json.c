/* tests/fuzz/json.c — libFuzzer driver for the CLI's JSON reader (src/cli/json.c), which
 * `heapguard report` runs on timeline and stats files it did not write itself.  Any
 * bytes: every value read is walked (json_get, json_get_number) and written back; a
 * value written must read back as one value, the same text when written again. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/json.h"

static FILE *out;

static void walk(const struct json *v) {
  double d;
  if (v->type == JSON_OBJECT)
    for (size_t i = 0; i < v->n; i++) {
      if (json_get(v, v->keys[i]) == NULL) abort();   /* every key finds a member */
      (void)json_get_number(v, v->keys[i], &d);
    }
  if (v->type == JSON_ARRAY || v->type == JSON_OBJECT)
    for (size_t i = 0; i < v->n; i++) walk(&v->items[i]);
  (void)json_type_name(v->type);
}

/* v written, read back and written again: the two texts are equal. */
static void round_trip(const struct json *v) {
  char *a = NULL, *b = NULL;
  size_t na = 0, nb = 0;
  FILE *f = open_memstream(&a, &na);
  json_write(f, v);
  fclose(f);
  struct json_reader r;
  struct json w;
  json_reader_init(&r, a, na);
  if (json_next(&r, &w) != 1) {
    fprintf(stderr, "written value does not read back: %s (%s)\n", a, r.error);
    abort();
  }
  f = open_memstream(&b, &nb);
  json_write(f, &w);
  fclose(f);
  if (na != nb || memcmp(a, b, na) != 0) {
    fprintf(stderr, "round trip differs:\n%s\n%s\n", a, b);
    abort();
  }
  json_free(&w);
  free(a);
  free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!out) out = fopen("/dev/null", "w");
  /* a copy of exactly size bytes, so ASan sees any read past the end */
  char *text = malloc(size ? size : 1);
  memcpy(text, data, size);
  struct json_reader r;
  struct json v;
  json_reader_init(&r, text, size);
  int st;
  for (int i = 0; i < 1000 && (st = json_next(&r, &v)) == 1; i++) {
    walk(&v);
    json_write(out, &v);
    round_trip(&v);
    json_free(&v);
  }
  if (st < 0 && (r.error[0] == '\0' || r.error_line < 1 || r.error_col < 1)) abort();
  free(text);
  return 0;
}

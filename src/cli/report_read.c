/* report_read.c — `heapguard report`'s reading of a timeline (HEAPGUARD_TIMELINE,
 * `heapguard stats --timeline=FILE`) or a snapshot (`heapguard stats --json`): the
 * records checked, and the fields the page shows kept in struct timeline (report.c
 * renders it).
 *
 * The timeline is JSON Lines (the contract with src/stats.c):
 *   {"type":"start","version":..,"pid":..,"program":..,"page_size":..,"interval_ms":..}
 *   {"type":"sample","t_ms":..,"requested":..,"in_use":.., ... }        (many)
 *   {"type":"final", ...the sample fields..., "classes":[..], "spans":[..], "threads":[..]}
 *   (and optionally "peak_requested", "peak_in_use", "peak_mapped", "peak_rss": the
 *   writer's own high-water marks, which see between samples)
 * Fields and record types this file does not know are ignored; a record cut short at
 * the end of the file (the program was killed) ends the timeline with a notice. */
#include "cli.h"
#include "report_read.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const field_names[N_FIELDS] = {
  "t_ms", "requested", "in_use", "mapped", "meta", "rss", "free", "free_runs",
  "largest_free", "external_frag", "internal_waste", "mallocs", "frees", "kernel_calls",
};

/* "FILE:LINE: message" and exit 1: the timeline is not valid. */
static void invalid(const struct timeline *tl, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));
static void invalid(const struct timeline *tl, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "heapguard: %s:%d: ", tl->source, line);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(1);
}

/* ---- reading the records ----------------------------------------------------------- */

/* The sample fields of rec into *p.  With time_optional, a missing t_ms is allowed
 * (a snapshot); returns whether it was there. */
static bool read_point(const struct timeline *tl, const struct json *rec, const char *what,
                       struct point *p, bool time_optional) {
  bool has_time = true;
  for (int f = 0; f < N_FIELDS; f++) {
    const struct json *v = json_get(rec, field_names[f]);
    if (!v && f == F_T_MS && time_optional) {
      has_time = false;
      p->v[f] = 0;
      continue;
    }
    if (!v) invalid(tl, rec->line, "%s record has no \"%s\"", what, field_names[f]);
    if (v->type != JSON_NUMBER)
      invalid(tl, v->line, "\"%s\" of %s record is %s, not a number", field_names[f], what,
              json_type_name(v->type));
    if (v->number < 0)
      invalid(tl, v->line, "\"%s\" of %s record is negative (%g)", field_names[f], what, v->number);
    if (f == F_EXTERNAL_FRAG && v->number > 1)
      invalid(tl, v->line, "\"external_frag\" of %s record is %g, outside 0..1", what, v->number);
    p->v[f] = v->number;
  }
  return has_time;
}

static void add_point(struct timeline *tl, const struct point *p) {
  if (tl->n_points == tl->cap_points) {
    tl->cap_points = tl->cap_points ? tl->cap_points * 2 : 256;
    tl->points = realloc(tl->points, tl->cap_points * sizeof *tl->points);
    if (!tl->points) {
      cli_error("out of memory");
      exit(1);
    }
  }
  tl->points[tl->n_points++] = *p;
}

/* The lists of the final record that the page shows (report_read.h). */
static const char *const class_numbers[] = { "size", "live", "requested", "in_use", "waste", NULL };
static const char *const span_numbers[] = { "start", "bytes", NULL };
static const char *const span_optional[] = { "class_size", "used", "slots", NULL };
static const char *const span_strings[] = { "kind", NULL };
static const char *const thread_numbers[] = { "id", NULL };
static const char *const thread_optional[] = { "spans", "free_slots", NULL };
const struct list_spec final_lists[N_FINAL_LISTS] = {
  { "classes", class_numbers, NULL, NULL },
  { "spans", span_numbers, span_optional, span_strings },
  { "threads", thread_numbers, thread_optional, NULL },
};

/* The list spec->key of the final record: each item an object with spec's required
 * members; a missing list is an empty one. */
static void check_list(const struct timeline *tl, const struct json *rec, const struct list_spec *spec) {
  const char *key = spec->key;
  const struct json *list = json_get(rec, key);
  if (!list) return;
  if (list->type != JSON_ARRAY)
    invalid(tl, list->line, "\"%s\" of the final record is %s, not an array", key, json_type_name(list->type));
  for (size_t i = 0; i < list->n; i++) {
    const struct json *item = &list->items[i];
    if (item->type != JSON_OBJECT)
      invalid(tl, item->line, "item %zu of \"%s\" is %s, not an object", i, key, json_type_name(item->type));
    for (const char *const *r = spec->numbers; *r; r++) {
      const struct json *v = json_get(item, *r);
      if (!v || v->type != JSON_NUMBER)
        invalid(tl, item->line, "item %zu of \"%s\" needs the number \"%s\"", i, key, *r);
    }
    for (const char *const *str = spec->strings; str && *str; str++) {
      const struct json *v = json_get(item, *str);
      if (!v || v->type != JSON_STRING)
        invalid(tl, item->line, "item %zu of \"%s\" needs the string \"%s\"", i, key, *str);
    }
  }
}

static void read_final(struct timeline *tl, struct json *rec) {
  tl->final_has_time = read_point(tl, rec, "the final", &tl->final_point, true);
  for (size_t l = 0; l < N_FINAL_LISTS; l++) check_list(tl, rec, &final_lists[l]);
  const struct json *spans = json_get(rec, "spans");
  double end = 0;
  for (size_t i = 0; spans && i < spans->n; i++) {
    double start, bytes;
    json_get_number(&spans->items[i], "start", &start);
    json_get_number(&spans->items[i], "bytes", &bytes);
    if (start < end)
      invalid(tl, spans->items[i].line, "span %zu starts at 0x%llx, inside the span before it "
              "(spans must be in address order)", i, (unsigned long long)start);
    end = start + bytes;
  }
  tl->final = *rec;
  if (tl->final_has_time) {
    if (tl->n_points && tl->final_point.v[F_T_MS] < tl->points[tl->n_points - 1].v[F_T_MS])
      tl->final_has_time = false;   /* drawn with the samples only if it comes after them */
    else
      add_point(tl, &tl->final_point);
  }
}

/* The type of record rec ("start", "sample", ...); exits if it has none. */
static const char *record_type(const struct timeline *tl, const struct json *rec) {
  const struct json *type = json_get(rec, "type");
  if (type && type->type != JSON_STRING)
    invalid(tl, type->line, "\"type\" is %s, not a string", json_type_name(type->type));
  if (type) return type->string;
  /* `heapguard stats --json` may print the final object without its type */
  if (tl->records == 0 && (json_get(rec, "classes") || json_get(rec, "spans"))) return "final";
  invalid(tl, rec->line, "a record without \"type\"");
}

/* After the last record (st: json_next's last result): a record cut short at the end
 * ends the timeline (unless it is the first one); a timeline without a final record
 * takes its last snapshot as the picture of the heap; exits if nothing is left to show. */
static void read_end(struct timeline *tl, const struct json_reader *r, int st) {
  if (st < 0) {
    if (!r->truncated || tl->records == 0) {
      fprintf(stderr, "heapguard: %s:%d:%d: %s%s\n", tl->source, r->error_line, r->error_col, r->error,
              r->truncated ? " (the file ends inside its first record)" : "");
      exit(1);
    }
    tl->truncated = true;
    /* the record cut short starts on the first line after the last complete one */
    tl->truncated_line = r->value_line;
  }
  if (tl->final.type == JSON_NULL && tl->snapshot.type != JSON_NULL) {
    struct json snap = tl->snapshot;
    memset(&tl->snapshot, 0, sizeof tl->snapshot);   /* now owned by tl->final */
    read_final(tl, &snap);
    tl->from_snapshot = true;
  }
  if (tl->records == 0) {
    fprintf(stderr, "heapguard: %s: empty: no timeline records\n", tl->source);
    exit(1);
  }
  if (tl->n_points == 0 && tl->final.type == JSON_NULL) {
    fprintf(stderr, "heapguard: %s: no sample and no final record: nothing to show\n", tl->source);
    exit(1);
  }
}

void read_timeline(struct timeline *tl, const char *text, size_t len) {
  struct json_reader r;
  struct json rec;
  int st;
  json_reader_init(&r, text, len);
  while ((st = json_next(&r, &rec)) == 1) {
    if (tl->final.type != JSON_NULL)
      invalid(tl, rec.line, "a record after the final one (a stats file shared by several "
              "processes? give each its own file with %%p in its name)");
    if (rec.type != JSON_OBJECT)
      invalid(tl, rec.line, "a record must be a JSON object, not %s", json_type_name(rec.type));
    const char *t = record_type(tl, &rec);
    tl->records++;
    if (strcmp(t, "start") == 0) {
      if (tl->records != 1) invalid(tl, rec.line, "a start record that is not the first one");
      tl->start = rec;
      continue;
    } else if (strcmp(t, "sample") == 0) {
      struct point p;
      read_point(tl, &rec, "a sample", &p, false);
      if (tl->n_points && p.v[F_T_MS] < tl->points[tl->n_points - 1].v[F_T_MS])
        invalid(tl, rec.line, "sample at t_ms %g is earlier than the one before it (%g)",
                p.v[F_T_MS], tl->points[tl->n_points - 1].v[F_T_MS]);
      add_point(tl, &p);
      tl->n_samples++;
    } else if (strcmp(t, "final") == 0) {
      read_final(tl, &rec);
      continue;   /* kept */
    } else if (strcmp(t, "snapshot") == 0) {
      /* hg_stats_print() or the stats signal: the last one is the picture of the heap
       * if the file has no final record (checked now, so its line is right) */
      struct point unused;
      read_point(tl, &rec, "a snapshot", &unused, true);
      json_free(&tl->snapshot);
      tl->snapshot = rec;
      continue;
    }
    /* other record types are for other readers */
    json_free(&rec);
  }
  read_end(tl, &r, st);
}

void timeline_free(struct timeline *tl) {
  json_free(&tl->start);
  json_free(&tl->final);
  json_free(&tl->snapshot);
  free(tl->points);
}

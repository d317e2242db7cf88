/* report.c — `heapguard report TIMELINE [-o FILE]`: a timeline (HEAPGUARD_TIMELINE,
 * `heapguard stats --timeline=FILE`) or a snapshot (`heapguard stats --json`) rendered
 * as one self-contained HTML page with plots.
 *
 * report_read.c reads and checks the records and keeps the fields the page shows.  This
 * file computes the summary figures (peaks over every sample, values at the end), thins
 * out very long timelines (keeping every series' peak), and writes the page:
 * report.html, embedded below, with the data as JSON in a <script
 * type="application/json" id="hg-data"> element.  The page's own script draws the SVG
 * plots from that data. */
#include "cli.h"
#include "json.h"
#include "report_read.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* src/cli/report.html, NUL-terminated, built into the program by the assembler (the
 * path is relative to the repository root, where make runs the compiler). */
extern const char hg_report_template[] __attribute__((visibility("hidden")));
__asm__(".section .rodata\n"
        ".global hg_report_template\n"
        ".hidden hg_report_template\n"
        ".type hg_report_template, @object\n"
        "hg_report_template:\n"
        ".incbin \"src/cli/report.html\"\n"
        ".byte 0\n"
        ".size hg_report_template, . - hg_report_template\n"
        ".previous\n");

const char cli_report_help[] =
    "usage: heapguard report TIMELINE [-o FILE]\n"
    "\n"
    "Renders TIMELINE, the file written by 'heapguard stats --timeline=FILE' (or\n"
    "HEAPGUARD_TIMELINE=FILE), as one HTML page with plots: memory in use, requested,\n"
    "mapped and resident over time, the size classes' live bytes and waste, external\n"
    "fragmentation over time, and a map of the heap's spans at the end.  The page is\n"
    "self-contained (no network, no other files): open it in any browser.  A snapshot\n"
    "from 'heapguard stats --json' works too (no plots over time).  TIMELINE '-' reads\n"
    "standard input.\n"
    "\n"
    "options:\n"
    "  -o, --output=FILE       write the page to FILE (default: TIMELINE with its\n"
    "                          extension replaced by .html)\n"
    "  -h, --help              show this help\n"
    "\n"
    "Exit status: 0 when the page was written (also for the timeline of a run that did\n"
    "not finish: the page says so), 1 when TIMELINE cannot be read or is not a valid\n"
    "timeline (the message gives its line), 2 for a usage error.\n";

#define MAX_POINTS 3000   /* more samples than this are thinned out for drawing */

static void usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("heapguard: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs(" (see heapguard report --help)\n", stderr);
  exit(CLI_USAGE_ERROR);
}

/* ---- what the page shows: the run, the points to draw, the summary ---------------- */

static void html_escape(FILE *f, const char *s) {
  for (; *s; s++) {
    switch (*s) {
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '&': fputs("&amp;", f); break;
    case '"': fputs("&quot;", f); break;
    default: fputc(*s, f);
    }
  }
}

/* 1.23 MiB */
static const char *fmt_bytes(double v, char *buf, size_t size) {
  static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
  int i = 0;
  while (v >= 1000 && i < 4) {   /* as the page: 1000 KiB is 0.98 MiB */
    v /= 1024;
    i++;
  }
  if (i == 0) snprintf(buf, size, "%.0f B", v);
  else snprintf(buf, size, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[i]);
  return buf;
}

/* A member of the start record, or of the final one (which repeats program, pid,
 * version and page_size, so that a snapshot read alone says what it describes). */
static const struct json *start_member(const struct timeline *tl, const char *key) {
  const struct json *v = json_get(&tl->start, key);
  return v ? v : json_get(&tl->final, key);
}

static const char *start_string(const struct timeline *tl, const char *key) {
  const struct json *v = start_member(tl, key);
  return v && v->type == JSON_STRING ? v->string : NULL;
}

static bool start_number(const struct timeline *tl, const char *key, double *out) {
  const struct json *v = start_member(tl, key);
  if (!v || v->type != JSON_NUMBER) return false;
  *out = v->number;
  return true;
}

static void write_start_number(FILE *f, const struct timeline *tl, const char *key) {
  double v;
  fprintf(f, ",\"%s\":", key);
  if (start_number(tl, key, &v)) json_write_number(f, v);
  else fputs("null", f);
}

/* Which points to draw: all of them, or MAX_POINTS or so spread evenly plus each
 * series' peak, so the plots keep their shape and their maxima. */
static bool *points_to_draw(const struct timeline *tl, size_t *shown) {
  bool *keep = calloc(tl->n_points ? tl->n_points : 1, sizeof *keep);
  if (!keep) {
    cli_error("out of memory");
    exit(1);
  }
  size_t stride = tl->n_points > MAX_POINTS ? (tl->n_points + MAX_POINTS - 1) / MAX_POINTS : 1;
  for (size_t i = 0; i < tl->n_points; i += stride) keep[i] = true;
  if (tl->n_points) keep[tl->n_points - 1] = true;
  static const enum field peaks[] = { F_REQUESTED, F_IN_USE, F_MAPPED, F_RSS, F_EXTERNAL_FRAG };
  for (size_t k = 0; k < sizeof peaks / sizeof *peaks; k++) {
    size_t best = 0;
    for (size_t i = 1; i < tl->n_points; i++)
      if (tl->points[i].v[peaks[k]] > tl->points[best].v[peaks[k]]) best = i;
    if (tl->n_points) keep[best] = true;
  }
  *shown = 0;
  for (size_t i = 0; i < tl->n_points; i++) *shown += keep[i];
  return keep;
}

/* The figures of the summary (also printed by the command). */
struct summary {
  double peak[N_FIELDS];           /* over every sample and the final record */
  double peak_in_use_t;            /* when in_use peaked; < 0 if unknown */
  const struct point *end;         /* the final record, or the last sample */
  double duration_ms;
};

static void summarize(const struct timeline *tl, struct summary *s) {
  memset(s, 0, sizeof *s);
  for (size_t i = 0; i < tl->n_points; i++)
    for (int f = 0; f < N_FIELDS; f++)
      if (tl->points[i].v[f] > s->peak[f] || i == 0) s->peak[f] = tl->points[i].v[f];
  /* the time of the peak: the first sample at the peak value */
  s->peak_in_use_t = -1;
  for (size_t i = 0; i < tl->n_points; i++)
    if (tl->points[i].v[F_IN_USE] == s->peak[F_IN_USE]) {
      s->peak_in_use_t = tl->points[i].v[F_T_MS];
      break;
    }
  if (tl->final.type != JSON_NULL) {
    for (int f = 0; f < N_FIELDS; f++)
      if (f != F_T_MS && (tl->final_point.v[f] > s->peak[f] || tl->n_points == 0)) {
        s->peak[f] = tl->final_point.v[f];
        if (f == F_IN_USE) s->peak_in_use_t = tl->final_has_time ? tl->final_point.v[F_T_MS] : -1;
      }
    /* a writer may add its own high-water marks ("peak_in_use", ...), which see what
     * happened between samples (or in a run shorter than one interval) */
    static const enum field marks[] = { F_REQUESTED, F_IN_USE, F_MAPPED, F_RSS };
    for (size_t k = 0; k < sizeof marks / sizeof *marks; k++) {
      char name[32];
      double v;
      snprintf(name, sizeof name, "peak_%s", field_names[marks[k]]);
      if (json_get_number(&tl->final, name, &v) && v > s->peak[marks[k]]) {
        s->peak[marks[k]] = v;
        if (marks[k] == F_IN_USE) s->peak_in_use_t = -1;   /* when is not known */
      }
    }
    s->end = &tl->final_point;
  } else {
    s->end = &tl->points[tl->n_points - 1];
  }
  s->duration_ms = tl->n_points ? tl->points[tl->n_points - 1].v[F_T_MS] : 0;
}

/* ---- the page's data: one JSON object, which report.html's script reads ------------- */

static void write_string_or_null(FILE *f, const char *s) {
  if (s) json_write_string(f, s); else fputs("null", f);
}

/* What ran: the timeline's name, and the program, version, pid, page size and
 * interval of its start record (null where unknown). */
static void write_identity(FILE *f, const struct timeline *tl) {
  fputs(",\"source\":", f);
  json_write_string(f, tl->source);
  fputs(",\"program\":", f);
  write_string_or_null(f, start_string(tl, "program"));
  fputs(",\"version\":", f);
  write_string_or_null(f, start_string(tl, "version"));
  write_start_number(f, tl, "pid");
  write_start_number(f, tl, "page_size");
  write_start_number(f, tl, "interval_ms");
}

/* How the timeline ends when it is not with a final record after a whole run, in a
 * sentence for the page; false when it is. */
static bool end_notice(const struct timeline *tl, char *note, size_t size) {
  if (tl->truncated) {
    snprintf(note, size, "The run did not finish: the timeline ends in the middle of a record "
             "(line %d), as when the program is killed. This report shows the %d complete records "
             "before it%s.", tl->truncated_line, tl->records,
             tl->final.type == JSON_NULL ? ", and no picture of the heap at the end" : "");
  } else if (tl->from_snapshot) {
    const struct json *when = json_get(&tl->final, "when");
    snprintf(note, size, "No final record: the picture of the heap is the last snapshot "
             "(%s), taken while the program ran.", when && when->type == JSON_STRING ? when->string
             : "hg_stats_print() or the stats signal");
  } else if (tl->final.type == JSON_NULL) {
    snprintf(note, size, "The run did not finish: the timeline has no final record (the "
             "program was killed, or is still running). This report shows its %zu samples, and no "
             "picture of the heap at the end.", tl->n_points);
  } else {
    return false;
  }
  return true;
}

/* Whether the run finished, how many records were read, and the notices the page shows
 * above its plots. */
static void write_notices(FILE *f, const struct timeline *tl) {
  bool finished = tl->final.type != JSON_NULL && !tl->truncated && !tl->from_snapshot;
  fprintf(f, ",\"finished\":%s,\"records\":%d,\"notices\":[", finished ? "true" : "false", tl->records);
  char note[512];
  bool noted = end_notice(tl, note, sizeof note);
  if (noted) json_write_string(f, note);
  if (tl->start.type == JSON_NULL && tl->n_samples > 0) {
    if (noted) fputc(',', f);
    json_write_string(f, "The timeline has no start record: the program and its pid are unknown.");
  }
  fputs("]", f);
}

/* The series over time, one array per field, of the points chosen by points_to_draw.
 * sample_count: the points (the samples, and the final record when it has a time);
 * sample_records: the sample records alone. */
static void write_samples(FILE *f, const struct timeline *tl) {
  size_t shown;
  bool *keep = points_to_draw(tl, &shown);
  fprintf(f, ",\"sample_count\":%zu,\"sample_records\":%zu,\"samples\":{", tl->n_points, tl->n_samples);
  for (int k = 0; k < N_FIELDS; k++) {
    fprintf(f, "%s\"%s\":[", k ? "," : "", field_names[k]);
    bool first = true;
    for (size_t i = 0; i < tl->n_points; i++) {
      if (!keep[i]) continue;
      if (!first) fputc(',', f);
      first = false;
      json_write_number(f, tl->points[i].v[k]);
    }
    fputc(']', f);
  }
  free(keep);
  fputs("}", f);
}

/* The summary's figures: peaks, when in_use peaked, the values at the end. */
static void write_summary(FILE *f, const struct timeline *tl, const struct summary *s) {
  fputs(",\"summary\":{", f);
  static const enum field peaks[] = { F_REQUESTED, F_IN_USE, F_MAPPED, F_RSS, F_META, F_EXTERNAL_FRAG };
  for (size_t k = 0; k < sizeof peaks / sizeof *peaks; k++) {
    fprintf(f, "%s\"peak_%s\":", k ? "," : "", field_names[peaks[k]]);
    json_write_number(f, s->peak[peaks[k]]);
  }
  fputs(",\"peak_in_use_t_ms\":", f);
  if (s->peak_in_use_t >= 0) json_write_number(f, s->peak_in_use_t); else fputs("null", f);
  fprintf(f, ",\"end_from\":\"%s\"", tl->from_snapshot ? "snapshot" : tl->final.type != JSON_NULL ? "final" : "last sample");
  for (int k = 1; k < N_FIELDS; k++) {   /* all but t_ms */
    fprintf(f, ",\"end_%s\":", field_names[k]);
    json_write_number(f, s->end->v[k]);
  }
  fputs(",\"duration_ms\":", f);
  json_write_number(f, s->duration_ms);
  fputs("}", f);
}

/* One item of a final list: the members spec names, strings first; an optional number
 * that is absent is left out.  read_final checked that the required ones are there. */
static void write_list_item(FILE *f, const struct json *item, const struct list_spec *spec) {
  fputc('{', f);
  bool first = true;
  for (const char *const *name = spec->strings; name && *name; name++) {
    fprintf(f, "%s\"%s\":", first ? "" : ",", *name);
    json_write_string(f, json_get(item, *name)->string);
    first = false;
  }
  for (int pass = 0; pass < 2; pass++)
    for (const char *const *name = pass ? spec->optional : spec->numbers; name && *name; name++) {
      double v;
      if (!json_get_number(item, *name, &v)) continue;   /* optional, absent */
      fprintf(f, "%s\"%s\":", first ? "" : ",", *name);
      json_write_number(f, v);
      first = false;
    }
  fputc('}', f);
}

/* The final record: its sample fields and lists, with only the members the page uses
 * (t_ms only if it has one: a snapshot may not). */
static void write_final(FILE *f, const struct timeline *tl) {
  fputs(",\"final\":", f);
  if (tl->final.type == JSON_NULL) {
    fputs("null", f);
    return;
  }
  fputc('{', f);
  for (int k = 0; k < N_FIELDS; k++) {
    if (k == F_T_MS && !json_get(&tl->final, "t_ms")) continue;
    fprintf(f, "%s\"%s\":", k ? "," : "", field_names[k]);
    json_write_number(f, tl->final_point.v[k]);
  }
  for (size_t l = 0; l < N_FINAL_LISTS; l++) {
    const struct json *list = json_get(&tl->final, final_lists[l].key);
    fprintf(f, ",\"%s\":[", final_lists[l].key);
    for (size_t i = 0; list && i < list->n; i++) {
      if (i) fputc(',', f);
      write_list_item(f, &list->items[i], &final_lists[l]);
    }
    fputc(']', f);
  }
  fputc('}', f);
}

/* The object in the page's <script type="application/json" id="hg-data">; its member
 * names are the contract with report.html's script. */
static void write_data(FILE *f, const struct timeline *tl, const struct summary *s) {
  fputs("{\"heapguard_report\":1", f);
  write_identity(f, tl);
  write_notices(f, tl);
  write_samples(f, tl);
  write_summary(f, tl, s);
  write_final(f, tl);
  fputs("}", f);
}

/* ---- the page: report.html with its marks filled in ------------------------------- */

static void write_page(FILE *f, const struct timeline *tl, const struct summary *s) {
  const char *t = hg_report_template;
  for (;;) {
    const char *mark = strstr(t, "{{");
    if (!mark) {
      fputs(t, f);
      break;
    }
    fwrite(t, 1, (size_t)(mark - t), f);
    if (strncmp(mark, "{{TITLE}}", 9) == 0) {
      const char *program = start_string(tl, "program");
      const char *base = program ? strrchr(program, '/') : NULL;
      double pid;
      fputs("heapguard report: ", f);
      html_escape(f, base ? base + 1 : program ? program : tl->source);
      if (start_number(tl, "pid", &pid)) fprintf(f, " (pid %.0f)", pid);
      t = mark + 9;
    } else if (strncmp(mark, "{{DATA}}", 8) == 0) {
      write_data(f, tl, s);
      t = mark + 8;
    } else {
      fputs("{{", f);
      t = mark + 2;
    }
  }
}

/* ---- the command ------------------------------------------------------------------- */

static char *read_all(FILE *f, size_t *len) {
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    size_t got = fread(buf + n, 1, cap - n, f);
    /* A timeline holds no NUL byte: one ends the reading, and the parser reports it
     * where it is.  An endless device (/dev/zero, /dev/full, /dev/urandom) was read
     * until memory ran out. */
    bool nul = memchr(buf + n, '\0', got) != NULL;
    n += got;
    if (n < cap || nul) break;
    char *bigger = realloc(buf, cap *= 2);
    if (!bigger) free(buf);
    buf = bigger;
  }
  if (!buf) {
    cli_error("out of memory");
    exit(1);
  }
  *len = n;
  return buf;
}

/* TIMELINE with its extension replaced by .html (malloc'd); NULL if that is TIMELINE. */
static char *default_output(const char *in) {
  const char *base = strrchr(in, '/');
  base = base ? base + 1 : in;
  const char *dot = strrchr(base, '.');
  size_t stem = dot && dot != base ? (size_t)(dot - in) : strlen(in);
  char *out = malloc(stem + 6);
  if (!out) return NULL;
  memcpy(out, in, stem);
  memcpy(out + stem, ".html", 6);
  if (strcmp(out, in) == 0) {
    free(out);
    return NULL;
  }
  return out;
}

/* The command line: the timeline (in), the page (out). */
struct report_args {
  const char *in, *out;
  char *default_out;   /* out when -o is not given (malloc'd), else NULL */
};

/* Parse argv into *a; a usage error exits.  False for --help, which stops the parsing
 * where it stands (the arguments after it are not looked at). */
static bool parse_args(int argc, char **argv, struct report_args *a) {
  bool options = true;
  memset(a, 0, sizeof *a);
  for (int i = 0; i < argc; i++) {
    const char *arg = argv[i];
    if (options && arg[0] == '-' && arg[1] != '\0') {
      if (strcmp(arg, "--") == 0) {
        options = false;
      } else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
        return false;
      } else if (strcmp(arg, "-o") == 0 || strcmp(arg, "--output") == 0) {
        if (i + 1 >= argc) usage("option '%s' needs a file name", arg);
        a->out = argv[++i];
      } else if (strncmp(arg, "--output=", 9) == 0) {
        a->out = arg + 9;
      } else if (arg[1] == 'o') {
        a->out = arg + 2;
      } else {
        usage("unknown option '%.*s' for 'report'", (int)strcspn(arg, "="), arg);
      }
      continue;
    }
    if (a->in) usage("'report' takes one timeline file, not '%s' and '%s'", a->in, arg);
    a->in = arg;
  }
  if (!a->in) usage("no timeline file given to 'report'");
  if (a->out && !*a->out) usage("empty output file name");
  if (!a->out) {
    if (strcmp(a->in, "-") == 0) usage("give the output file with -o when reading standard input");
    if (!(a->default_out = default_output(a->in)))
      usage("'%s' would be its own report: give the output file with -o", a->in);
    a->out = a->default_out;
  }
  return true;
}

/* The whole text of `in` ("-": standard input), malloc'd, its length in *len; NULL
 * after a message when it cannot be read.  source: its name in messages. */
static char *read_input(const char *in, const char *source, size_t *len) {
  FILE *fin = strcmp(in, "-") == 0 ? stdin : fopen(in, "r");
  if (!fin) {
    cli_error("cannot read %s: %s", in, strerror(errno));
    return NULL;
  }
  char *text = read_all(fin, len);
  if (ferror(fin)) {
    cli_error("cannot read %s: %s", source, strerror(errno));
    return NULL;
  }
  if (fin != stdin) fclose(fin);
  return text;
}

/* The page into the file out; false after a message (and without a half-written file)
 * when it cannot be written.  Only a regular file is removed then: `-o /dev/full`
 * removed /dev/full (and a symbolic link, such as /dev/stdout, would have gone too). */
static bool write_report(const char *out, const struct timeline *tl, const struct summary *s) {
  FILE *f = fopen(out, "w");
  if (!f) {
    cli_error("cannot write %s: %s", out, strerror(errno));
    return false;
  }
  struct stat st;
  bool regular = lstat(out, &st) == 0 && S_ISREG(st.st_mode);
  write_page(f, tl, s);
  if (ferror(f) | (fclose(f) != 0)) {
    cli_error("cannot write %s: %s", out, strerror(errno));
    if (regular) unlink(out);
    return false;
  }
  return true;
}

/* "wrote FILE: 9 samples over 0.09 s, peak in use 1.00 MiB, 6 size classes, 12 spans"
 * on stdout, and on stderr whether the run did not finish. */
static void print_outcome(const char *out, const struct timeline *tl, const struct summary *s) {
  char bytes[32];
  const struct json *classes = json_get(&tl->final, "classes"), *spans = json_get(&tl->final, "spans");
  printf("wrote %s: ", out);
  if (tl->n_samples)
    printf("%zu sample%s over %.2f s, ", tl->n_samples, tl->n_samples == 1 ? "" : "s", s->duration_ms / 1000);
  else printf("a snapshot (no samples over time), ");
  printf("peak in use %s", fmt_bytes(s->peak[F_IN_USE], bytes, sizeof bytes));
  if (tl->final.type != JSON_NULL)
    printf(", %zu size classes, %zu spans", classes ? classes->n : 0, spans ? spans->n : 0);
  printf("\n");
  if (tl->truncated || tl->final.type == JSON_NULL)
    cli_error("%s: the run did not finish (%s); the report shows what is there", tl->source,
              tl->truncated ? "its last record is cut short" : "no final record");
}

int cli_report_main(int argc, char **argv) {
  struct report_args args;
  if (!parse_args(argc, argv, &args)) {
    fputs(cli_report_help, stdout);
    return fflush(stdout) == 0 ? 0 : 1;
  }
  struct timeline tl;
  memset(&tl, 0, sizeof tl);
  tl.source = strcmp(args.in, "-") == 0 ? "standard input" : args.in;
  size_t len;
  char *text = read_input(args.in, tl.source, &len);
  if (!text) return 1;
  read_timeline(&tl, text, len);   /* exits on an invalid timeline */

  struct summary s;
  summarize(&tl, &s);
  if (!write_report(args.out, &tl, &s)) return 1;
  print_outcome(args.out, &tl, &s);
  free(args.default_out);
  free(text);
  timeline_free(&tl);
  return fflush(stdout) == 0 ? 0 : 1;
}

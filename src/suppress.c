/* suppress.c — suppression files: loaded at start, matched when an error is about to
 * be reported, and generated after each error with --gen-suppressions=all (see
 * suppress.h; the syntax is supp_parse.h's). */
#define _GNU_SOURCE
#include "suppress.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "options.h"
#include "os.h"
#include "supp_parse.h"
#include "xml.h"

bool hg_supp_loaded HG_FORK_DATA;   /* (read by a fork child: diag.c) */

/* The files read, each one's text (its lines cut in place) and its name in one mapping,
 * its suppressions and frames in another. */
#define MAX_FILES 32
static struct supp_file {
  const char *path;
  struct hg_supp *supps;
  struct hg_supp_frame *frames;
  size_t n;
} files[MAX_FILES];
static unsigned nfiles;

static HG_COLD bool read_all(int fd, char *buf, size_t size) {
  while (size) {
    long r = hg_sys_read(fd, buf, size);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return r == 0 ? (errno = EIO, false) : false;   /* (shrunk while read) */
    buf += r;
    size -= (size_t)r;
  }
  return true;
}

/* File path[0..len): read, parsed, kept; or one line saying why not. */
static HG_COLD void load(const char *path, size_t len) {
  if (nfiles == MAX_FILES) {
    hg_message("more than %d suppression files: %.*s and the rest are left out", MAX_FILES, (int)len, path);
    return;
  }
  char name[4096];
  if (len >= sizeof name) {
    hg_message("a suppression file's name is longer than %zu bytes: %.64s... is left out", sizeof name - 1, path);
    return;
  }
  __builtin_memcpy(name, path, len);
  name[len] = '\0';
  int fd = hg_sys_open(name, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    int error = fd < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    if (fd >= 0) hg_sys_close(fd);
    hg_message("cannot read the suppression file %s (error %d%s): it is left out", name, error,
               error == EINVAL ? ": not a regular file" : hg_error_words(error));
    return;
  }
  size_t size = (size_t)st.st_size, text_bytes = hg_align_up(size + 1 + len + 1, HG_PAGE);
  char *text = hg_os_map(text_bytes);
  if (!text || !read_all(fd, text, size)) {
    int error = text ? errno : ENOMEM;
    hg_sys_close(fd);
    if (text) hg_os_unmap(text, text_bytes);
    hg_message("cannot read the suppression file %s (error %d%s): it is left out", name, error,
               hg_error_words(error));
    return;
  }
  hg_sys_close(fd);
  char *kept_name = text + size + 1;
  __builtin_memcpy(kept_name, name, len + 1);
  size_t lines = hg_supp_lines(text, size);
  size_t table_bytes = hg_align_up(lines * (sizeof(struct hg_supp) + sizeof(struct hg_supp_frame)), HG_PAGE);
  void *table = hg_os_map(table_bytes);
  if (!table) {
    hg_os_unmap(text, text_bytes);
    hg_message("cannot read the suppression file %s: out of memory; it is left out", name);
    return;
  }
  struct hg_supp_parse p = { .supps = table, .frames = (void *)((char *)table + lines * sizeof(struct hg_supp)) };
  if (!hg_supp_parse(text, size, &p)) {
    hg_message("%s:%u: %s: '%.100s'; the file is left out", name, p.err_line, p.err, p.err_text);
    hg_os_unmap(table, table_bytes);
    hg_os_unmap(text, text_bytes);
    return;
  }
  files[nfiles++] = (struct supp_file){ kept_name, p.supps, p.frames, p.nsupps };
  hg_supp_loaded = true;
}

void hg_supp_init(void) {
  const char *list = hg_opt.suppressions;
  while (list && *list) {
    size_t len = hg_supp_span(list, ":");
    if (len) load(list, len);
    list += len;
    if (*list) list++;
  }
}

/* ---- matching ------------------------------------------------------------------------ */

/* A frame of the stack being matched: the entry point's (func its name as Valgrind's
 * replacement has it, alt as heapguard prints it) or a symbolised one (alt: an inlined
 * function's plain name, as Valgrind names it, func its mangled one). */
struct frame {
  const char *func, *alt, *file, *module;
  int line;
};

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

static bool frame_matches(const struct hg_supp_frame *p, const struct frame *f) {
  switch (p->type) {
  case HG_SF_FUN:   /* (an unknown function is "???", as printed: fun:* matches any frame) */
    return hg_supp_glob(p->pat, f->func ? f->func : "???") || (f->alt && hg_supp_glob(p->pat, f->alt));
  case HG_SF_OBJ:
    return f->module && hg_supp_glob(p->pat, f->module);
  case HG_SF_SRC:
    if (!f->file || (p->line && (int)p->line != f->line)) return false;
    return hg_supp_glob(p->pat, base_name(f->file)) || hg_supp_glob(p->pat, f->file);
  }
  return false;
}

/* (hg_supp_frames_match's test: ctx is the stack's frames.) */
static bool frame_at_matches(const struct hg_supp_frame *p, unsigned j, const void *ctx) {
  return frame_matches(p, (const struct frame *)ctx + j);
}

/* The entry points' names in Valgrind's stacks (its replacement functions; C++'s
 * operators by their mangled names, as its suppressions name them). */
static const char valgrind_names[HG_API_COUNT][24] = {
  [HG_API_NEW] = "_Znwm", [HG_API_NEW_ARRAY] = "_Znam",
  [HG_API_NEW_ALIGNED] = "_ZnwmSt11align_val_t", [HG_API_NEW_ARRAY_ALIGNED] = "_ZnamSt11align_val_t",
  [HG_API_DELETE] = "_ZdlPv", [HG_API_DELETE_ARRAY] = "_ZdaPv", [HG_API_DELETE_SIZED] = "_ZdlPvm",
  [HG_API_DELETE_ARRAY_SIZED] = "_ZdaPvm", [HG_API_DELETE_ALIGNED] = "_ZdlPvSt11align_val_t",
  [HG_API_DELETE_ARRAY_ALIGNED] = "_ZdaPvSt11align_val_t",
  [HG_API_DELETE_SIZED_ALIGNED] = "_ZdlPvmSt11align_val_t",
  [HG_API_DELETE_ARRAY_SIZED_ALIGNED] = "_ZdaPvmSt11align_val_t",
};

static const char *api_name(enum hg_api api) {
  return valgrind_names[api][0] ? valgrind_names[api] : hg_check_api_names[api];
}

/* The stack matched for site, its entry point first (as Valgrind's stacks start with
 * its replacement malloc: a file it generated for a leak from malloc starts with
 * fun:malloc); the count. */
static unsigned collect(const struct hg_supp_site *site, struct frame *out) {
  unsigned n = 0;
  if (site->api != HG_API_NONE) {
    Dl_info info;
    const char *own = dladdr((void *)hg_supp_init, &info) ? info.dli_fname : NULL;
    out[n++] = (struct frame){ api_name(site->api), hg_check_api_names[site->api], NULL, own, 0 };
  }
  struct hg_frame_where w[HG_STACK_MAX_DEPTH];
  unsigned k = hg_stack_where(site->stack, w, HG_STACK_MAX_DEPTH);
  for (unsigned i = 0; i < k; i++)
    out[n++] = (struct frame){ w[i].func, w[i].alias, w[i].file, w[i].module, w[i].line };
  return n;
}

bool hg_supp_match(const char *kind, const struct hg_supp_site *site) {
  unsigned k = hg_supp_kind_index(kind);
  if (k >= HG_SK_FATAL) return false;   /* a crash ends the program: never suppressed */
  struct frame frames[HG_STACK_MAX_DEPTH + 1];
  unsigned n = 0;
  bool collected = false;
  for (unsigned fi = 0; fi < nfiles; fi++) {
    const struct supp_file *file = &files[fi];
    for (size_t i = 0; i < file->n; i++) {
      struct hg_supp *s = &file->supps[i];
      if (!((s->kinds >> k) & 1) || (k == HG_SK_LEAK && !(s->leak_kinds & site->leak_kind))) continue;
      if (!collected) {   /* (symbolised only when some suppression has this kind) */
        n = collect(site, frames);
        collected = true;
      }
      if (hg_supp_frames_match(file->frames + s->first, s->nframes, n, frame_at_matches, frames)) {
        s->used++;
        return true;
      }
    }
  }
  return false;
}

/* One line of a generated suppression: to the log, and into the XML document's
 * <rawtext> when there is one. */
static void supp_line(const char *fmt, ...) {
  char line[2048];   /* (hg_diag_text's) */
  va_list ap;
  va_start(ap, fmt);
  hg_vformat(line, sizeof line, fmt, ap);
  va_end(ap);
  hg_diag_text("%s", line);
  if (hg_xml_on) hg_xml_suppression_line(line);
}

void hg_supp_print(const char *kind, const struct hg_supp_site *site) {
  static const char leak_words[][10] = { [HG_LEAK_KIND_DEFINITE] = "definite", [HG_LEAK_KIND_INDIRECT] = "indirect",
                                        [HG_LEAK_KIND_POSSIBLE] = "possible", [HG_LEAK_KIND_REACHABLE] = "reachable" };
  struct frame frames[HG_STACK_MAX_DEPTH + 1];
  unsigned n = collect(site, frames);
  const char *leak = site->leak_kind && site->leak_kind < sizeof leak_words / sizeof *leak_words &&
                             leak_words[site->leak_kind][0]
                         ? leak_words[site->leak_kind]
                         : NULL;
  if (hg_xml_on) {
    hg_xml_suppression_begin(kind, leak);
    for (unsigned i = 0; i < n; i++) hg_xml_sframe(frames[i].func, frames[i].module ? frames[i].module : "*");
  }
  if (site->note) hg_diag_text("# %s", site->note);   /* (the log's only: Valgrind's has none) */
  supp_line("{");
  supp_line("   <insert_a_suppression_name_here>");
  supp_line("   heapguard:%s", kind);
  if (leak) supp_line("   match-leak-kinds: %s", leak);
  for (unsigned i = 0; i < n; i++) {
    if (frames[i].func) supp_line("   fun:%s", frames[i].func);
    else supp_line("   obj:%s", frames[i].module ? frames[i].module : "*");
  }
  supp_line("}");
  if (hg_xml_on) hg_xml_suppression_end();
}

void hg_supp_print_used(bool xml) {
  for (unsigned fi = 0; fi < nfiles; fi++)
    for (size_t i = 0; i < files[fi].n; i++) {
      const struct hg_supp *s = &files[fi].supps[i];
      if (!s->used) continue;
      if (xml) hg_xml_suppcount(s->used, s->name);
      else hg_diag_line("used_suppression: %6zu %s %s:%u", s->used, s->name, files[fi].path, s->line);
    }
}

void hg_supp_fork_child(void) {
  for (unsigned fi = 0; fi < nfiles; fi++)
    for (size_t i = 0; i < files[fi].n; i++) files[fi].supps[i].used = 0;
}

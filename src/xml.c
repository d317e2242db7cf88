/* xml.c — Valgrind's XML output (see xml.h).
 *
 * The document, as Memcheck 3.19 writes it (protocol version 4): a preamble, <pid>,
 * <ppid>, <tool>, <args>, <status> RUNNING, one <error> per error context (each with
 * <unique>, <tid>, <kind>, <what> or a leak's <xwhat>, then <stack>s and <auxwhat>s in
 * the order the text report prints them), <status> FINISHED, <errorcounts>,
 * <suppcounts>.  Kinds are Memcheck's where it has the error (supp_parse.h's kinds
 * mapped in memcheck_kind); heapguard's own name stays in the <what> text.
 *
 * State (the report lock orders its changes): whether the document is open, an error
 * or a fatal signal is being written, a stack is open, and the <what> line waiting for
 * what follows it (a "(found at exit)" line joins it, where a stack would have been). */
#define _GNU_SOURCE
#include "xml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "options.h"
#include "thread_id.h"
#include "supp_parse.h"

bool hg_xml_on;

enum doc { DOC_NONE, DOC_LAZY, DOC_OPEN, DOC_LOST, DOC_DONE };
/* DOC_LAZY: a forked child's, opened at its first output; DOC_LOST: a forked child
 * whose file is its parent's (no %p), which writes none. */
static enum doc doc;
static int xml_fd = -1;
static struct hg_file_id xml_id;   /* a program's close of every descriptor: not written into another file */
static enum part { PART_NONE, PART_ERROR, PART_FATAL } part;
static bool in_stack, what_pending;
/* A "(found at exit)" line stood where the finding call's stack would be: the next
 * stack printed is the error's first (check_report.c prints, for the document only,
 * the stack a suppression matches it on), else an empty one is owed before the next
 * <auxwhat>. */
static bool primary_owed;
static unsigned stack_frames;   /* frames in the open <stack> */
/* The open error is a leak record: its first line is <xwhat>'s text, with these. */
static bool leak;
static size_t leak_bytes, leak_blocks;
static size_t nstacks;   /* of the open part */
static char what[2048];
static size_t what_len;
/* An error's <unique> is its context's number (diag.h) plus unique_base: 0, or, in a
 * document continued after an exec (open_document), past every number the image
 * before it can have used.  An error with no context (a leak record that is not an
 * error, one the contexts' table had no room for) gets one of its own, above them. */
static size_t unique_base, unlisted_unique = (size_t)1 << 48;
static struct timespec started;

/* ---- output: a buffer on the caller's stack, written whole ---------------------------- */

/* A writer for one part of the document; to no descriptor (nothing written) if the
 * file's number is no longer the file's (a program closed every descriptor). */
static struct hg_ob writer(char *buf, size_t size) {
  int fd = xml_fd >= 0 && hg_file_same(xml_fd, &xml_id) ? xml_fd : -1;
  return (struct hg_ob){ fd, buf, size, 0, fd < 0 ? EBADF : 0 };
}
#define XML_OUT(o) \
  char o##_room[1024]; \
  struct hg_ob o = writer(o##_room, sizeof o##_room)

/* n bytes of s as element text: the markup characters and '"' as entities, the control
 * characters XML 1.0 refuses as '?' (a file name may hold any byte).  An apostrophe
 * stays one, as in Memcheck's "free'd": text compared with Valgrind's stays the same. */
static void xesc(struct hg_ob *o, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
    case '&': hg_ob_put(o, "&amp;", 5); break;
    case '<': hg_ob_put(o, "&lt;", 4); break;
    case '>': hg_ob_put(o, "&gt;", 4); break;
    case '"': hg_ob_put(o, "&quot;", 6); break;
    default: {
      char k = c < 0x20 && c != '\t' && c != '\n' ? '?' : (char)c;
      hg_ob_put(o, &k, 1);
    }
    }
  }
}

/* <tag>text</tag> on a line, indented. */
static void xelem(struct hg_ob *o, const char *indent, const char *tag, const char *text) {
  hg_ob_printf(o, "%s<%s>", indent, tag);
  xesc(o, text, __builtin_strlen(text));
  hg_ob_printf(o, "</%s>\n", tag);
}

/* ---- the document ------------------------------------------------------------------------ */

/* "dd:hh:mm:ss.mmm " since the start, as Valgrind's <time>. */
static void status(struct hg_ob *o, const char *state) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  long long ms = (now.tv_sec - started.tv_sec) * 1000LL + (now.tv_nsec - started.tv_nsec) / 1000000;
  if (ms < 0) ms = 0;
  hg_ob_printf(o, "<status>\n  <state>%s</state>\n  <time>%02lld:%02lld:%02lld:%02lld.%03lld </time>\n</status>\n\n",
               state, ms / 86400000, ms / 3600000 % 24, ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
}

/* The program's arguments, from /proc/self/cmdline (NUL-separated), each escaped: as
 * <exe> and <arg> elements, or (!elements) as the preamble's "Command:" line, separated
 * by spaces. */
static void args(struct hg_ob *o, bool elements) {
  int fd = hg_sys_open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (elements) hg_ob_printf(o, "    <exe>?</exe>\n");
    return;
  }
  char chunk[256];
  long got;
  unsigned index = 0;
  bool in_arg = false;
  while ((got = hg_sys_read(fd, chunk, sizeof chunk)) > 0) {
    for (long i = 0; i < got; i++) {
      if (!in_arg) {
        if (elements) hg_ob_printf(o, "    <%s>", index ? "arg" : "exe");
        else if (index) hg_ob_put(o, " ", 1);
        in_arg = true;
      }
      if (chunk[i]) {
        xesc(o, &chunk[i], 1);
        continue;
      }
      if (elements) hg_ob_printf(o, "</%s>\n", index ? "arg" : "exe");
      in_arg = false;
      index++;
    }
  }
  if (in_arg && elements) hg_ob_printf(o, "</%s>\n", index ? "arg" : "exe");
  hg_sys_close(fd);
}

static void preamble(void) {
  XML_OUT(o);
  hg_ob_printf(&o, "<?xml version=\"1.0\"?>\n\n<valgrindoutput>\n\n<protocolversion>4</protocolversion>\n"
                   "<protocoltool>memcheck</protocoltool>\n\n<preamble>\n");
  hg_ob_printf(&o, "  <line>heapguard, a memory error detector (%s)</line>\n", hg_diag_mode());
  hg_ob_printf(&o, "  <line>Valgrind's XML: Memcheck's kinds, heapguard's words</line>\n  <line>Command: ");
  args(&o, false);
  hg_ob_printf(&o, "</line>\n</preamble>\n\n<pid>%d</pid>\n<ppid>%ld</ppid>\n<tool>memcheck</tool>\n\n",
               (int)getpid(), syscall(SYS_getppid));
  hg_ob_printf(&o, "<args>\n  <vargv>\n    <exe>heapguard</exe>\n  </vargv>\n  <argv>\n");
  args(&o, true);
  hg_ob_printf(&o, "  </argv>\n</args>\n\n");
  status(&o, "RUNNING");
  hg_ob_flush(&o);
}

/* Whether the document in fd, of size bytes, is closed (ends with </valgrindoutput>). */
static bool document_closed(int fd, off_t size) {
  static const char end[] = "</valgrindoutput>";
  char tail[32];
  off_t from = size > (off_t)sizeof tail ? size - (off_t)sizeof tail : 0;
  long n = syscall(SYS_pread64, fd, tail, sizeof tail, from);
  for (long i = 0; i + (long)sizeof end - 1 <= n; i++)
    if (__builtin_memcmp(tail + i, end, sizeof end - 1) == 0) return true;
  return false;
}

/* Open this process's file; false (and hg_xml_on off) if it cannot be written.
 * hg_report_open empties a file left by an earlier run, and (no %p in the name)
 * refuses one another live process of the run holds.  What it keeps is a document
 * written since this process started: this process's own before an exec (the same
 * pid, so the same name with %p; without it, the exec closed the descriptor and its
 * lock), left open since an exec runs no exit code: the new image continues it (a
 * shell's `exec prog`, `bash -c prog`), its errors after the old image's.  Or a
 * finished process's closed document: refused. */
static bool open_document(void) {
  clock_gettime(CLOCK_MONOTONIC, &started);
  bool per_process = hg_pid_path(NULL, 0, hg_opt.xml_file, 0);
  xml_fd = hg_report_open(hg_opt.xml_file, "XML",
                          HG_REPORT_NO_STDERR | (per_process ? 0 : HG_REPORT_FIRST_ONLY | HG_REPORT_ALONE));
  struct stat st;
  off_t size = xml_fd >= 0 && fstat(xml_fd, &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : 0;
  if (size > 0 && document_closed(xml_fd, size)) {
    char name[256];
    hg_pid_path(name, sizeof name, hg_opt.xml_file, (int)getpid());
    hg_message("not writing the XML file %s: it holds another process's finished document; put "
               "%%p in the name for one file per process", name[0] ? name : hg_opt.xml_file);
    hg_sys_close(xml_fd);
    xml_fd = -1;
  }
  if (xml_fd < 0) {
    doc = DOC_DONE;
    hg_xml_on = false;
    return false;
  }
  hg_file_id(xml_fd, &xml_id);
  doc = DOC_OPEN;
  if (size > 0) {
    /* The old image's uniques are context numbers, below 4096 (and its base), and every
     * image writes more than a byte: a base of 4096 a byte is past them. */
    unique_base = (size_t)size << 12;
    unlisted_unique = ((size_t)1 << 48) + unique_base;
  } else {
    preamble();
  }
  return true;
}

void hg_xml_start(void) {
  if (!hg_opt.xml) return;
  if (!hg_opt.xml_file || !*hg_opt.xml_file) {
    hg_message("HEAPGUARD_XML=yes needs HEAPGUARD_XML_FILE (Valgrind's --xml-file): no XML written");
    return;
  }
  hg_xml_on = true;
  open_document();
}

/* Whether the document can take a part now (a forked child's opened first). */
static bool writable(void) {
  if (doc == DOC_LAZY) return open_document();
  return doc == DOC_OPEN;
}

/* ---- errors ------------------------------------------------------------------------------ */

/* Memcheck's kind for heapguard's (supp_parse.h's names): the invalid accesses by how
 * the bytes were touched (a write found in check mode's poison or redzone, after the
 * fact, is one), the bad deallocations as InvalidFree or MismatchedFree. */
static const char *memcheck_kind(const char *kind, int access) {
  switch (hg_supp_kind_index(kind)) {
  case HG_SK_OVERFLOW:
  case HG_SK_UNDERFLOW:
  case HG_SK_AFTER_FREE: return access == 1 ? "InvalidRead" : "InvalidWrite";
  case HG_SK_DOUBLE_FREE:
  case HG_SK_INVALID_FREE:
  case HG_SK_INVALID_REALLOC:
  case HG_SK_INVALID_POINTER: return "InvalidFree";
  case HG_SK_MISMATCHED_FREE:
  case HG_SK_MISMATCHED_SIZE:
  case HG_SK_MISMATCHED_ALIGN: return "MismatchedFree";
  default: return "InvalidRead";
  }
}

/* A stack with no frame (none recorded, --stack-depth=0): one frame with no address,
 * since Valgrind's schema says a <stack> holds at least one <frame>. */
#define NO_FRAME "    <frame>\n      <ip>0x0</ip>\n    </frame>\n"

static void close_stack(struct hg_ob *o) {
  if (!in_stack) return;
  hg_ob_printf(o, "%s  </stack>\n", stack_frames ? "" : NO_FRAME);
  in_stack = false;
}

/* The waiting <what>, or a leak's <xwhat> with its counts. */
static void flush_what(struct hg_ob *o) {
  if (!what_pending) return;
  what_pending = false;
  hg_ob_printf(o, leak ? "  <xwhat>\n    <text>" : "  <what>");
  xesc(o, what, what_len);
  if (leak)
    hg_ob_printf(o, "</text>\n    <leakedbytes>%zu</leakedbytes>\n    <leakedblocks>%zu</leakedblocks>\n  </xwhat>\n",
                 leak_bytes, leak_blocks);
  else
    hg_ob_printf(o, "</what>\n");
}

/* Whatever part is open, closed. */
static void close_part(struct hg_ob *o) {
  close_stack(o);
  if (part == PART_ERROR) {
    if (what_pending) {   /* a report with no stack: still one, as consumers expect */
      flush_what(o);
      hg_ob_printf(o, "  <stack>\n" NO_FRAME "  </stack>\n");
    }
    hg_ob_printf(o, "</error>\n\n");
  } else if (part == PART_FATAL) {
    hg_ob_printf(o, "</fatal_signal>\n\n");
  }
  part = PART_NONE;
}

/* <tid> and, if the program named the thread, <threadname> (thread_id.h). */
static void thread_elements(struct hg_ob *o, const struct hg_thread_id *t) {
  hg_ob_printf(o, "  <tid>%u</tid>\n", t->number);
  if (t->name[0]) xelem(o, "  ", "threadname", t->name);
}

static bool begin_part(enum part p) {
  if (doc == DOC_LOST) {   /* said once, at the first error: a clean child says nothing */
    doc = DOC_DONE;
    hg_xml_on = false;
    hg_message("a forked child's errors are not in the XML file %s, its parent's (no %%p in the name)",
               hg_opt.xml_file);
    return false;
  }
  if (!writable()) return false;
  XML_OUT(o);
  close_part(&o);
  hg_ob_flush(&o);
  part = p;
  nstacks = 0;
  what_pending = leak = primary_owed = false;
  what_len = 0;
  return true;
}

static size_t unique(size_t context) { return context == SIZE_MAX ? unlisted_unique++ : unique_base + context; }

void hg_xml_error(const char *kind, int access, size_t context, const struct hg_thread_id *t) {
  if (!begin_part(PART_ERROR)) return;
  XML_OUT(o);
  hg_ob_printf(&o, "<error>\n  <unique>0x%zx</unique>\n", unique(context));
  thread_elements(&o, t);
  hg_ob_printf(&o, "  <kind>%s</kind>\n", memcheck_kind(kind, access));
  hg_ob_flush(&o);
  what_pending = true;   /* the report's first line */
}

void hg_xml_leak(unsigned leak_kind, size_t bytes, size_t blocks, size_t context) {
  static const char kinds[][20] = { "Leak_DefinitelyLost", "Leak_IndirectlyLost", "Leak_PossiblyLost",
                                    "Leak_StillReachable" };
  if (leak_kind > 3 || !begin_part(PART_ERROR)) return;
  XML_OUT(o);
  hg_ob_printf(&o, "<error>\n  <unique>0x%zx</unique>\n  <tid>1</tid>\n  <kind>%s</kind>\n",
               unique(context), kinds[leak_kind]);
  hg_ob_flush(&o);
  what_pending = leak = true;
  leak_bytes = bytes;
  leak_blocks = blocks;
}

void hg_xml_fatal(int sig, const char *signame, int code, const char *event, const void *addr,
                  const struct hg_thread_id *t) {
  if (!begin_part(PART_FATAL)) return;
  XML_OUT(o);
  hg_ob_printf(&o, "<fatal_signal>\n");
  thread_elements(&o, t);
  hg_ob_printf(&o, "  <signo>%d</signo>\n  <signame>%s</signame>\n  <sicode>%d</sicode>\n", sig, signame, code);
  if (event) hg_ob_printf(&o, "  <event>%s</event>\n  <siaddr>%p</siaddr>\n", event, addr);
  hg_ob_flush(&o);
}

/* The message of a report line: past "==pid== ". */
static const char *message(const char *line, size_t n, size_t *len) {
  size_t i = 0;
  if (n > 2 && line[0] == '=' && line[1] == '=') {
    for (i = 2; i + 2 < n && !(line[i] == '=' && line[i + 1] == '=' && line[i + 2] == ' '); i++) continue;
    i += 3;
  }
  if (i > n) i = n;
  *len = n - i;
  if (*len && line[n - 1] == '\n') --*len;
  return line + i;
}

void hg_xml_line(const char *line, size_t n) {
  if (part == PART_NONE || in_stack || doc != DOC_OPEN) return;
  if (part == PART_FATAL) return;   /* its stack only: the rest is the text's */
  size_t len;
  const char *m = message(line, n, &len);
  if (what_pending && what_len == 0) {
    /* The headline: "ERROR: " is the text's (and a leak's kind, Valgrind's text has none) */
    const char *cut = leak ? "ERROR: memory-leak: " : "ERROR: ";
    size_t k = __builtin_strlen(cut);
    if (len >= k && __builtin_memcmp(m, cut, k) == 0) m += k, len -= k;
    if (len > sizeof what - 1) len = sizeof what - 1;
    __builtin_memcpy(what, m, len);
    what_len = len;
    return;
  }
  size_t lead = 0;
  while (lead < len && m[lead] == ' ') lead++;
  XML_OUT(o);
  if (what_pending && lead == 3 && len > 3 && m[3] == '(') {
    /* "(found at exit)": where the finding call's stack would be, which there is not:
     * said in the <what>, which waits for the error's first stack (primary_owed). */
    size_t room = sizeof what - 1 - what_len;
    size_t k = len - lead < room - 1 ? len - lead : room ? room - 1 : 0;
    if (k) {
      what[what_len++] = ' ';
      __builtin_memcpy(what + what_len, m + lead, k);
      what_len += k;
    }
    primary_owed = true;
    return;
  }
  if (primary_owed) {   /* no stack came: an empty one keeps the error's shape */
    flush_what(&o);
    hg_ob_printf(&o, "  <stack>\n" NO_FRAME "  </stack>\n");
    nstacks++;
    primary_owed = false;
  }
  flush_what(&o);
  hg_ob_printf(&o, "  <auxwhat>");
  xesc(&o, m + lead, len - lead);
  hg_ob_printf(&o, "</auxwhat>\n");
  hg_ob_flush(&o);
}

void hg_xml_stack_begin(const char *api) {
  if (part == PART_NONE || in_stack || doc != DOC_OPEN) return;
  if (part == PART_FATAL && nstacks) return;   /* a fatal signal has one stack */
  XML_OUT(o);
  flush_what(&o);
  hg_ob_printf(&o, "  <stack>\n");
  in_stack = true;
  primary_owed = false;
  nstacks++;
  stack_frames = api != NULL;
  if (api) hg_ob_printf(&o, "    <frame>\n      <ip>0x0</ip>\n      <fn>%s</fn>\n    </frame>\n", api);
  hg_ob_flush(&o);
}

void hg_xml_frame(uintptr_t ip, const char *obj, const char *fn, const char *file, const char *comp_dir,
                  int line) {
  if (!in_stack) return;
  XML_OUT(o);
  stack_frames++;
  hg_ob_printf(&o, "    <frame>\n      <ip>0x%lX</ip>\n", (unsigned long)ip);
  if (obj) xelem(&o, "      ", "obj", obj);
  if (fn) xelem(&o, "      ", "fn", fn);
  if (file) {
    /* <dir> absolute, as Valgrind's: a name relative to the compiler's directory
     * (gcc src/a.c) is joined to it, so that a viewer can open the file. */
    const char *slash = __builtin_strrchr(file, '/');
    bool relative = file[0] != '/' && comp_dir && comp_dir[0] == '/';
    if (relative || (slash && slash != file)) {
      hg_ob_printf(&o, "      <dir>");
      if (relative) xesc(&o, comp_dir, __builtin_strlen(comp_dir));
      if (relative && slash) hg_ob_printf(&o, "/");
      if (slash) xesc(&o, file, (size_t)(slash - file));
      hg_ob_printf(&o, "</dir>\n");
    }
    xelem(&o, "      ", "file", slash ? slash + 1 : file);
    if (line > 0) hg_ob_printf(&o, "      <line>%d</line>\n", line);
  }
  hg_ob_printf(&o, "    </frame>\n");
  hg_ob_flush(&o);
}

void hg_xml_stack_end(void) {
  if (!in_stack) return;
  XML_OUT(o);
  close_stack(&o);
  hg_ob_flush(&o);
}

void hg_xml_report_end(void) {
  if (part == PART_NONE || doc != DOC_OPEN) return;
  XML_OUT(o);
  close_part(&o);
  hg_ob_flush(&o);
}

/* ---- the end ------------------------------------------------------------------------------ */

void hg_xml_finish_begin(void) {
  if (!writable()) return;
  XML_OUT(o);
  close_part(&o);
  status(&o, "FINISHED");
  hg_ob_printf(&o, "<errorcounts>\n");
  hg_ob_flush(&o);
}

void hg_xml_count(size_t count, size_t unique) {
  if (doc != DOC_OPEN) return;
  XML_OUT(o);
  hg_ob_printf(&o, "  <pair>\n    <count>%zu</count>\n    <unique>0x%zx</unique>\n  </pair>\n", count,
               unique_base + unique);
  hg_ob_flush(&o);
}

void hg_xml_counts_end(void) {
  if (doc != DOC_OPEN) return;
  XML_OUT(o);
  hg_ob_printf(&o, "</errorcounts>\n\n<suppcounts>\n");
  hg_ob_flush(&o);
}

/* A generated suppression, inside its error (the part still open): Valgrind's
 * <suppression>: its frames as elements (hg_xml_sframe), then the log's lines in
 * <rawtext> (hg_xml_suppression_line), then hg_xml_suppression_end. */
static bool in_suppression, in_rawtext;

void hg_xml_suppression_begin(const char *kind, const char *leak_kinds) {
  if (part != PART_ERROR || doc != DOC_OPEN) return;
  XML_OUT(o);
  close_stack(&o);
  flush_what(&o);
  hg_ob_printf(&o, "  <suppression>\n    <sname>insert_a_suppression_name_here</sname>\n"
                   "    <skind>heapguard:%s</skind>\n", kind);
  if (leak_kinds) hg_ob_printf(&o, "    <skaux>match-leak-kinds: %s</skaux>\n", leak_kinds);
  hg_ob_flush(&o);
  in_suppression = true;
}

void hg_xml_sframe(const char *fun, const char *obj) {
  if (!in_suppression) return;
  XML_OUT(o);
  hg_ob_printf(&o, "    <sframe> <%s>", fun ? "fun" : "obj");
  const char *name = fun ? fun : obj;
  xesc(&o, name, __builtin_strlen(name));
  hg_ob_printf(&o, "</%s> </sframe>\n", fun ? "fun" : "obj");
  hg_ob_flush(&o);
}

void hg_xml_suppression_line(const char *line) {
  if (!in_suppression) return;
  XML_OUT(o);
  if (!in_rawtext) hg_ob_printf(&o, "    <rawtext>\n<![CDATA[\n");
  in_rawtext = true;
  /* Put, not printf (whose line is 512 bytes: a template's mangled name is longer); a
   * "]]>" (a file name may hold one) ends the CDATA section and opens the next. */
  for (const char *end; (end = __builtin_strstr(line, "]]>")) != NULL; line = end + 2) {
    hg_ob_put(&o, line, (size_t)(end - line) + 2);
    hg_ob_put(&o, "]]><![CDATA[", 12);
  }
  hg_ob_put(&o, line, __builtin_strlen(line));
  hg_ob_put(&o, "\n", 1);
  hg_ob_flush(&o);
}

void hg_xml_suppression_end(void) {
  if (!in_suppression) return;
  XML_OUT(o);
  if (in_rawtext) hg_ob_printf(&o, "]]>\n    </rawtext>\n");
  hg_ob_printf(&o, "  </suppression>\n");
  hg_ob_flush(&o);
  in_suppression = in_rawtext = false;
}

void hg_xml_suppcount(size_t count, const char *name) {
  if (doc != DOC_OPEN) return;
  XML_OUT(o);
  hg_ob_printf(&o, "  <pair>\n    <count>%zu</count>\n", count);
  xelem(&o, "    ", "name", name);
  hg_ob_printf(&o, "  </pair>\n");
  hg_ob_flush(&o);
}

void hg_xml_finish_end(void) {
  if (doc != DOC_OPEN) return;
  XML_OUT(o);
  hg_ob_printf(&o, "</suppcounts>\n\n</valgrindoutput>\n\n");
  hg_ob_flush(&o);
  doc = DOC_DONE;
}

void hg_xml_abandon(void) {
  if (doc != DOC_OPEN) return;
  XML_OUT(o);
  close_part(&o);
  status(&o, "FINISHED");
  hg_ob_printf(&o, "<errorcounts>\n</errorcounts>\n\n<suppcounts>\n</suppcounts>\n\n</valgrindoutput>\n\n");
  hg_ob_flush(&o);
  doc = DOC_DONE;
}

void hg_xml_fork_child(void) {
  /* The parent's descriptor is its document's: never written by the child. */
  if (xml_fd >= 0 && hg_file_same(xml_fd, &xml_id)) hg_sys_close(xml_fd);
  xml_fd = -1;
  part = PART_NONE;
  in_stack = what_pending = leak = primary_owed = false;
  doc = hg_pid_path(NULL, 0, hg_opt.xml_file, 0) ? DOC_LAZY : DOC_LOST;
}

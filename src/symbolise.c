/* symbolise.c — printing check mode's stacks (stack.h): function, file and line from
 * elfutils' libdw, loaded on demand at the first report, a function inlined into its
 * caller as a frame of its own, C++ names demangled.  Report time only: libdw
 * allocates, so no allocator lock may be held (cold text).  Stacks printed without
 * libdw are stack_raw.c's.
 *
 * Frames in an object dlclose unloaded are in unload.h's encoded form: they are
 * symbolised from the object's file on disk, if it has not changed since (an offline
 * libdw session of its own, where each unloaded object is given a place of its own:
 * two of them may have been loaded at the same address), and printed with its path,
 * marked unloaded. */
#define _GNU_SOURCE
#include "stack.h"

#include <dlfcn.h>
#include <link.h>
#include <sys/auxv.h>
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "init.h"
#include "options.h"
#include "os.h"
#include "stack_raw.h"
#include "unload.h"
#include "xml.h"

static struct {
  bool tried;
  Dwfl *dwfl;
  Dwfl *(*begin)(const Dwfl_Callbacks *);
  void (*report_begin)(Dwfl *);
  int (*report_end)(Dwfl *, int (*)(Dwfl_Module *, void *, const char *, Dwarf_Addr, void *), void *);
  int (*proc_report)(Dwfl *, pid_t);
  Dwfl_Module *(*addrmodule)(Dwfl *, Dwarf_Addr);
  const char *(*addrname)(Dwfl_Module *, GElf_Addr);
  /* (optional: plain_alias's) */
  const char *(*addrinfo)(Dwfl_Module *, GElf_Addr, GElf_Off *, GElf_Sym *, GElf_Word *, Elf **, Dwarf_Addr *);
  Dwfl_Line *(*getsrc)(Dwfl_Module *, Dwarf_Addr);
  const char *(*lineinfo)(Dwfl_Line *, Dwarf_Addr *, int *, int *, Dwarf_Word *, Dwarf_Word *);
  const char *(*modinfo)(Dwfl_Module *, void ***, Dwarf_Addr *, Dwarf_Addr *, Dwarf_Addr *,
                         Dwarf_Addr *, const char **, const char **);
  Dwfl_Callbacks callbacks;
  char *debuginfo_path;
  unsigned generation;            /* hg_unload_generation when the modules were read */
  /* Unloaded objects (unload.h): their own session, `offline_reported` of them in it. */
  Dwfl *offline;
  unsigned offline_reported;
  Dwfl_Callbacks offline_callbacks;
  void (*report_begin_add)(Dwfl *);
  Dwfl_Module *(*report_elf)(Dwfl *, const char *, const char *, int, GElf_Addr, bool);
  /* For a module without .debug_aranges (source_line); NULL if libdw lacks them. */
  Dwarf_Die *(*nextcu)(Dwfl_Module *, Dwarf_Die *, Dwarf_Addr *);
  int (*haspc)(Dwarf_Die *, Dwarf_Addr);
  Dwarf_Line *(*getsrc_die)(Dwarf_Die *, Dwarf_Addr);
  const char *(*linesrc)(Dwarf_Line *, Dwarf_Word *, Dwarf_Word *);
  int (*lineno)(Dwarf_Line *, int *);
  ptrdiff_t (*ranges)(Dwarf_Die *, ptrdiff_t, Dwarf_Addr *, Dwarf_Addr *, Dwarf_Addr *);
  /* libdw's own search for a module's separate debug file, and its build ID (NULL:
   * libdw lacks it; every search is then libdw's). */
  int (*standard_find_debuginfo)(Dwfl_Module *, void **, const char *, Dwarf_Addr, const char *,
                                 const char *, GElf_Word, char **);
  int (*build_id)(Dwfl_Module *, const unsigned char **, GElf_Addr *);
  /* A line's compilation directory, for the XML's <dir> (NULL: libdw lacks them). */
  const char *(*line_comp_dir)(Dwfl_Line *);
  Dwarf_Attribute *(*attr)(Dwarf_Die *, unsigned int, Dwarf_Attribute *);
  const char *(*formstring)(Dwarf_Attribute *);
  /* Inlined calls (inline_frames; NULL if libdw lacks one: none shown). */
  Dwarf_Die *(*addrdie)(Dwfl_Module *, Dwarf_Addr, Dwarf_Addr *);
  int (*getscopes)(Dwarf_Die *, Dwarf_Addr, Dwarf_Die **);
  int (*getscopes_die)(Dwarf_Die *, Dwarf_Die **);
  int (*tag)(Dwarf_Die *);
  Dwarf_Attribute *(*attr_integrate)(Dwarf_Die *, unsigned int, Dwarf_Attribute *);
  int (*formudata)(Dwarf_Attribute *, Dwarf_Word *);
  int (*getsrcfiles)(Dwarf_Die *, Dwarf_Files **, size_t *);
  const char *(*filesrc)(Dwarf_Files *, size_t, Dwarf_Word *, Dwarf_Word *);
} dw;

/* ---- separate debug files, without the network unless asked -------------------------
 *
 * dwfl_standard_find_debuginfo looks for a module's debug file where the distribution
 * installs them (its build ID under /usr/lib/debug/.build-id, its .gnu_debuglink name
 * beside the file, in .debug/ and under /usr/lib/debug) and, when none is there, asks
 * the debuginfod client as a last resort.  elfutils 0.188 (Debian 12) dlopens
 * libdebuginfod for that whether or not DEBUGINFOD_URLS names a server: libcurl,
 * GnuTLS, Kerberos and LDAP, 26 libraries, loaded into the program as it exits, for a
 * stripped program's first report (a leak report of `sort`, of gcc's driver: 60 ms and
 * 27 MB of peak RSS, where the report takes 3 ms).  And with DEBUGINFOD_URLS set (a
 * profile script may set it for every login shell) the client downloads the debug
 * files, which can take minutes.  So libdw's search runs only when a local debug file
 * is there to be found, or when DEBUGINFOD_URLS names a server: the user asked for the
 * downloads then (as gdb and perf do, and documented). */
#define DEFAULT_DEBUGINFO_PATH ":.debug:/usr/lib/debug"   /* libdw's, when none is set */

/* buf = a b c (any may be NULL); false if it does not fit. */
static bool path_join(char *buf, size_t cap, const char *a, const char *b, const char *c) {
  size_t n = 0;
  const char *parts[3] = { a, b, c };
  for (int i = 0; i < 3; i++) {
    if (!parts[i]) continue;
    size_t k = strlen(parts[i]);
    if (n + k >= cap) return false;
    memcpy(buf + n, parts[i], k);
    n += k;
  }
  buf[n] = 0;
  return true;
}

static bool file_there(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Is there a local candidate for mod's debug file, in any of the places libdw's
 * standard search reads (for each entry of the debug path: empty, the file's own
 * directory; relative, a subdirectory of it; absolute, a root for the build-ID tree
 * and for the file's directory)?  A candidate whose CRC turns out wrong sends libdw
 * on to debuginfod all the same, which is then the rare case. */
static bool local_debuginfo(Dwfl_Module *mod, const char *file_name, const char *debuglink) {
  char hex[2 * 64 + 1] = "";
  const unsigned char *bits;
  GElf_Addr vaddr;
  int len = dw.build_id ? dw.build_id(mod, &bits, &vaddr) : 0;
  if (len >= 2 && len <= 64) {
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < len; i++) {
      hex[2 * i] = digits[bits[i] >> 4];
      hex[2 * i + 1] = digits[bits[i] & 15];
    }
    hex[2 * len] = 0;
  }
  /* The file's directory (with its slash) and the debug file's name. */
  char dir[512] = "", name[256];
  const char *base = file_name ? strrchr(file_name, '/') : NULL;
  if (base) {
    size_t k = (size_t)(base + 1 - file_name);
    if (k >= sizeof dir) return true;   /* (too long to judge: libdw's search decides) */
    memcpy(dir, file_name, k);
    dir[k] = 0;
  }
  const char *leaf = base ? base + 1 : file_name;
  if (debuglink && debuglink[0] ? !path_join(name, sizeof name, debuglink, NULL, NULL)
                                : !leaf || !path_join(name, sizeof name, leaf, ".debug", NULL))
    return true;
  const char *list = dw.debuginfo_path ? dw.debuginfo_path : DEFAULT_DEBUGINFO_PATH;
  char entry[256], path[1024];
  for (const char *p = list;;) {
    const char *end = strchr(p, ':');
    size_t k = end ? (size_t)(end - p) : strlen(p);
    if (k && (p[0] == '+' || p[0] == '-')) p++, k--;   /* (CRC check on or off) */
    if (k >= sizeof entry) return true;
    memcpy(entry, p, k);
    entry[k] = 0;
    if (entry[0] == '/') {
      if (hex[0]) {
        char sub[4] = { hex[0], hex[1], '/', 0 };
        if (path_join(path, sizeof path, entry, "/.build-id/", sub) &&
            strlen(path) + strlen(hex + 2) + 7 < sizeof path) {
          strcat(path, hex + 2);
          strcat(path, ".debug");
          if (file_there(path)) return true;
        }
      }
      if (dir[0] && path_join(path, sizeof path, entry, dir, name) && file_there(path)) return true;
      if (path_join(path, sizeof path, entry, "/", name) && file_there(path)) return true;
    } else if (file_name) {
      char rel[300];
      if (path_join(rel, sizeof rel, dir, entry, entry[0] ? "/" : NULL) &&
          path_join(path, sizeof path, rel, name, NULL) && strcmp(path, file_name) != 0 && file_there(path))
        return true;
    }
    if (!end) return false;
    p = end + 1;
  }
}

static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
                          const char *file_name, const char *debuglink, GElf_Word crc, char **debuginfo_name) {
  const char *urls = getenv("DEBUGINFOD_URLS");
  if ((urls && urls[strspn(urls, " \t")]) || local_debuginfo(mod, file_name, debuglink))
    return dw.standard_find_debuginfo(mod, userdata, modname, base, file_name, debuglink, crc, debuginfo_name);
  return -1;
}

static void forget_cu_tables(void);
static void forget_symbols(void);

/* One loaded object for the session, from the loader's list: its file at its load
 * bias (the program's file: the name it was started by, AT_EXECFN; objects with no
 * file, the vDSO, are refused by libdw). */
static int report_object(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size, (void)arg;
  const char *path = info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : (const char *)getauxval(AT_EXECFN);
  if (path && path[0]) dw.report_elf(dw.dwfl, path, path, -1, (GElf_Addr)info->dlpi_addr, true);
  return 0;
}

/* The process's modules, from /proc/self/maps (libdw's own reader); without /proc, from
 * the loader's list, as dladdr below would read it (stacks had no function names but
 * exported ones, and no file:line, with no word of why). */
static void refresh_modules(void) {
  forget_cu_tables();   /* a module gone is freed, and its address may be a new one's */
  forget_symbols();
  dw.generation = atomic_load_explicit(&hg_unload_generation, memory_order_acquire);
  dw.report_begin(dw.dwfl);
  if (dw.proc_report(dw.dwfl, getpid()) != 0) dl_iterate_phdr(report_object, NULL);
  dw.report_end(dw.dwfl, NULL, NULL);
}

/* In a program started without a dynamic loader (hg_started_without_loader: linked
 * with -static or -static-pie), dlopen is glibc's partial
 * static dlopen: the loaded libraries get a second libc and loader of their own, and
 * their thread-local variables are not set up for the program's threads
 * (__tls_get_addr answers NULL).  libdw's first one (libdw_alloc.c's thread_id, read
 * by dwfl_module_getsrc through dwarf_getaranges) crashed the first report with
 * SIGSEGV.  There frames are printed as module and offset, as without symbols (dladdr
 * knows no names in such a program), named from the executable's own symbol table
 * (elf_symtab.c): function names, no file:line. */
static bool symboliser_ready(void) {
  if (dw.tried) return dw.dwfl != NULL;
  dw.tried = true;
  if (hg_started_without_loader()) return false;
  void *lib = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) return false;
#define SYM(field, name) if (!(*(void **)&dw.field = dlsym(lib, name))) return false;
  SYM(begin, "dwfl_begin")
  SYM(report_begin, "dwfl_report_begin")
  SYM(report_end, "dwfl_report_end")
  SYM(proc_report, "dwfl_linux_proc_report")
  SYM(addrmodule, "dwfl_addrmodule")
  SYM(addrname, "dwfl_module_addrname")
  SYM(getsrc, "dwfl_module_getsrc")
  SYM(lineinfo, "dwfl_lineinfo")
  SYM(modinfo, "dwfl_module_info")
  SYM(callbacks.find_elf, "dwfl_linux_proc_find_elf")
  SYM(standard_find_debuginfo, "dwfl_standard_find_debuginfo")
  SYM(report_begin_add, "dwfl_report_begin_add")
  SYM(report_elf, "dwfl_report_elf")
  SYM(offline_callbacks.find_elf, "dwfl_build_id_find_elf")
  SYM(offline_callbacks.section_address, "dwfl_offline_section_address")
#undef SYM
  *(void **)&dw.nextcu = dlsym(lib, "dwfl_module_nextcu");
  *(void **)&dw.haspc = dlsym(lib, "dwarf_haspc");
  *(void **)&dw.getsrc_die = dlsym(lib, "dwarf_getsrc_die");
  *(void **)&dw.linesrc = dlsym(lib, "dwarf_linesrc");
  *(void **)&dw.lineno = dlsym(lib, "dwarf_lineno");
  *(void **)&dw.ranges = dlsym(lib, "dwarf_ranges");
  *(void **)&dw.build_id = dlsym(lib, "dwfl_module_build_id");
  *(void **)&dw.line_comp_dir = dlsym(lib, "dwfl_line_comp_dir");
  *(void **)&dw.attr = dlsym(lib, "dwarf_attr");
  *(void **)&dw.formstring = dlsym(lib, "dwarf_formstring");
  *(void **)&dw.addrdie = dlsym(lib, "dwfl_module_addrdie");
  *(void **)&dw.getscopes = dlsym(lib, "dwarf_getscopes");
  *(void **)&dw.getscopes_die = dlsym(lib, "dwarf_getscopes_die");
  *(void **)&dw.tag = dlsym(lib, "dwarf_tag");
  *(void **)&dw.attr_integrate = dlsym(lib, "dwarf_attr_integrate");
  *(void **)&dw.formudata = dlsym(lib, "dwarf_formudata");
  *(void **)&dw.getsrcfiles = dlsym(lib, "dwarf_getsrcfiles");
  *(void **)&dw.addrinfo = dlsym(lib, "dwfl_module_addrinfo");
  *(void **)&dw.filesrc = dlsym(lib, "dwarf_filesrc");
  dw.callbacks.find_debuginfo = find_debuginfo;
  dw.offline_callbacks.find_debuginfo = find_debuginfo;
  dw.offline_callbacks.debuginfo_path = &dw.debuginfo_path;
  dw.callbacks.debuginfo_path = &dw.debuginfo_path;
  dw.dwfl = dw.begin(&dw.callbacks);
  if (dw.dwfl) refresh_modules();
  return dw.dwfl != NULL;
}

struct where {   /* = struct hg_frame_where (stack.h) */
  const char *func, *file, *module;
  int line;
  const char *comp_dir;   /* the compiler's directory, which a relative file is in */
  const char *alias;
};
_Static_assert(sizeof(struct where) == sizeof(struct hg_frame_where), "the same fields");

/* ---- compilation units by address, for modules without .debug_aranges -----------------
 *
 * A module's units' address ranges (DW_AT_low_pc/high_pc, DW_AT_ranges), sorted by
 * start, built at its first frame that needs it: searching the units one by one for
 * each frame (dwarf_haspc parses each unit's ranges) made a report of a clang-built
 * program of 3,000 units take 2.5 s instead of 0.9.  In memory mapped for it (not
 * malloc: the symboliser's own blocks would go through check mode), kept until the
 * modules are read again (refresh_modules). */
struct cu_range {
  Dwarf_Addr lo, hi;
  Dwarf_Addr reach;   /* the largest hi of this range and every one before it */
  Dwarf_Die *cu;
};
#define CU_TABLES 32
static struct cu_table {
  Dwfl_Module *m;
  Dwarf_Addr bias;
  struct cu_range *r;   /* n ranges, sorted by lo; NULL if none */
  size_t n, bytes;      /* bytes: mapped (0: not) */
} cu_tables[CU_TABLES];
static unsigned cu_ntables;

static void forget_cu_tables(void) {
  for (unsigned k = 0; k < cu_ntables; k++)
    if (cu_tables[k].bytes) hg_os_unmap(cu_tables[k].r, cu_tables[k].bytes);
  cu_ntables = 0;
}

/* Every range of every unit of m into r (room for `room`); returns how many there are
 * (more than room: only room of them stored). */
static size_t cu_ranges(Dwfl_Module *m, struct cu_range *r, size_t room, Dwarf_Addr *bias) {
  size_t n = 0;
  for (Dwarf_Die *cu = NULL; (cu = dw.nextcu(m, cu, bias)) != NULL;) {
    Dwarf_Addr base, lo, hi;
    for (ptrdiff_t off = 0; (off = dw.ranges(cu, off, &base, &lo, &hi)) > 0; n++)
      if (n < room) r[n] = (struct cu_range){ lo, hi, 0, cu };
  }
  return n;
}

/* m's table, built if it has none; NULL if it cannot be (then units are searched one
 * by one). */
static struct cu_table *cu_table(Dwfl_Module *m) {
  for (unsigned k = 0; k < cu_ntables; k++)
    if (cu_tables[k].m == m) return &cu_tables[k];
  if (!dw.ranges || cu_ntables == CU_TABLES) return NULL;
  struct cu_table *t = &cu_tables[cu_ntables];
  *t = (struct cu_table){ .m = m };
  size_t n = cu_ranges(m, NULL, 0, &t->bias);
  if (n) {
    t->bytes = hg_align_up(n * sizeof *t->r, HG_PAGE);
    t->r = hg_os_map(t->bytes);
    if (!t->r) return NULL;
    t->n = cu_ranges(m, t->r, n, &t->bias);
    if (t->n > n) t->n = n;
    /* Shell sort, by lo (Knuth's gaps). */
    size_t gap = 1;
    while (gap < t->n / 3) gap = 3 * gap + 1;
    for (; gap; gap /= 3)
      for (size_t i = gap; i < t->n; i++)
        for (size_t j = i; j >= gap && t->r[j - gap].lo > t->r[j].lo; j -= gap) {
          struct cu_range x = t->r[j];
          t->r[j] = t->r[j - gap];
          t->r[j - gap] = x;
        }
    for (size_t i = 0; i < t->n; i++)
      t->r[i].reach = i && t->r[i - 1].reach > t->r[i].hi ? t->r[i - 1].reach : t->r[i].hi;
  }
  cu_ntables++;
  return t;
}

/* The unit of t holding address a (module-relative: less t->bias), or NULL.  Ranges
 * may overlap: from the last one starting at or before a, back while an earlier one
 * may still reach past a. */
static Dwarf_Die *cu_find(const struct cu_table *t, Dwarf_Addr a) {
  size_t lo = 0, hi = t->n;   /* the first range starting after a is in [lo, hi] */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t->r[mid].lo <= a) lo = mid + 1;
    else hi = mid;
  }
  for (size_t i = lo; i-- > 0 && t->r[i].reach > a;)
    if (a < t->r[i].hi) return t->r[i].cu;
  return NULL;
}

/* The compilation unit of m holding address a (its bias into *bias) by the units' own
 * ranges, for a module without .debug_aranges; NULL if none or libdw lacks the means. */
static Dwarf_Die *unit_by_ranges(Dwfl_Module *m, Dwarf_Addr a, Dwarf_Addr *bias) {
  if (!dw.nextcu || !dw.haspc) return NULL;
  Dwarf_Die *cu = NULL;
  const struct cu_table *t = cu_table(m);
  if (t) {
    *bias = t->bias;
    return cu_find(t, a - *bias);
  }
  while ((cu = dw.nextcu(m, cu, bias)) != NULL && dw.haspc(cu, a - *bias) <= 0) {}
  return cu;
}

/* The file and line of address a in module m, into w.  libdw's dwfl_module_getsrc finds
 * a's compilation unit by .debug_aranges, which clang does not emit (gcc does): without
 * them it fails ("address out of range") and every frame of a clang-built program had
 * no file:line.  Then the unit is found by the units' own address ranges. */
static void source_line(Dwfl_Module *m, Dwarf_Addr a, struct where *w) {
  Dwfl_Line *l = dw.getsrc(m, a);
  if (l) {
    w->file = dw.lineinfo(l, NULL, &w->line, NULL, NULL, NULL);
    if (w->file && w->file[0] != '/' && dw.line_comp_dir) w->comp_dir = dw.line_comp_dir(l);
    return;
  }
  if (!dw.getsrc_die || !dw.linesrc || !dw.lineno) return;
  Dwarf_Addr bias;
  Dwarf_Die *cu = unit_by_ranges(m, a, &bias);
  if (!cu) return;
  Dwarf_Line *line = dw.getsrc_die(cu, a - bias);
  if (line && dw.lineno(line, &w->line) == 0) w->file = dw.linesrc(line, NULL, NULL);
  Dwarf_Attribute a_dir;
  if (w->file && w->file[0] != '/' && dw.attr && dw.formstring && dw.attr(cu, DW_AT_comp_dir, &a_dir))
    w->comp_dir = dw.formstring(&a_dir);
}

/* ---- inlined calls, one frame each (Valgrind's --read-inline-info=yes) ----------------
 *
 * A function inlined into its caller leaves no frame of its own: its code is the
 * caller's, and the address's line (in the inlined function) was printed under the
 * caller's name.  The debug information keeps the nesting: the address is inside
 * DW_TAG_inlined_subroutine entries, innermost first, each naming the inlined function
 * (its abstract origin's DW_AT_linkage_name, mangled like the symbol table's names, else
 * DW_AT_name) and the file and line of the call (DW_AT_call_file, DW_AT_call_line),
 * which is where the next frame out is.  As eu-addr2line -i: dwarf_getscopes finds the
 * innermost scope, dwarf_getscopes_die the scopes physically around it (getscopes
 * continues past an inlined entry in its abstract definition).  Both allocate their
 * array (freed here) and walk the unit's entries from its top: report time only. */
#define INLINE_MAX 16   /* frames one address expands to, at most (the rest: the outermost's) */

/* die's attribute `name` (through its abstract origin), a string; NULL if none. */
static const char *die_string(Dwarf_Die *die, unsigned name) {
  Dwarf_Attribute a;
  return dw.attr_integrate(die, name, &a) ? dw.formstring(&a) : NULL;
}

/* out[0] is address a of module m symbolised (the symbol table's function, a's line):
 * out[0..n) becomes the inlined functions at a, innermost first, each with the line it
 * was at, then the function a is in, with the line of the outermost inlined call; n. */
static unsigned inline_frames(Dwfl_Module *m, Dwarf_Addr a, struct where *out) {
  if (!hg_opt.read_inline_info || !dw.addrdie || !dw.getscopes || !dw.getscopes_die || !dw.tag ||
      !dw.attr_integrate || !dw.formudata || !dw.getsrcfiles || !dw.filesrc || !dw.attr || !dw.formstring)
    return 1;
  Dwarf_Addr bias;
  Dwarf_Die *cu = dw.addrdie(m, a, &bias);
  if (!cu) cu = unit_by_ranges(m, a, &bias);
  Dwarf_Die *scopes = NULL;
  if (!cu || dw.getscopes(cu, a - bias, &scopes) <= 0) {
    free(scopes);
    return 1;
  }
  Dwarf_Die innermost = scopes[0];
  free(scopes);
  scopes = NULL;
  int nscopes = dw.getscopes_die(&innermost, &scopes);
  Dwarf_Files *files;
  size_t nfiles;
  struct where outer = out[0];   /* the symbol's: its name ends the list */
  unsigned n = 0;
  if (nscopes > 1 && dw.getsrcfiles(cu, &files, &nfiles) == 0) {
    for (int i = 0; i < nscopes - 1 && n < INLINE_MAX - 1; i++) {
      if (dw.tag(&scopes[i]) != DW_TAG_inlined_subroutine) continue;
      /* Named as the symbol table would name it, mangled (then demangled for display
       * like the others: Valgrind 3.19 prints the bare DW_AT_name, "put" for
       * app::Pool<long>::put(long*)), which suppressions may name too. */
      out[n] = outer;
      out[n].alias = die_string(&scopes[i], DW_AT_name);
      out[n].func = die_string(&scopes[i], DW_AT_linkage_name);
      if (!out[n].func) out[n].func = die_string(&scopes[i], DW_AT_MIPS_linkage_name);
      if (!out[n].func) out[n].func = out[n].alias;
      n++;
      Dwarf_Attribute at;
      Dwarf_Word file = 0, line = 0;   /* the call's, which the next frame out is at */
      outer.file = dw.attr(&scopes[i], DW_AT_call_file, &at) && dw.formudata(&at, &file) == 0 && file < nfiles
                       ? dw.filesrc(files, file, NULL, NULL) : NULL;
      outer.line = dw.attr(&scopes[i], DW_AT_call_line, &at) && dw.formudata(&at, &line) == 0 ? (int)line : 0;
      if (!outer.file) outer.line = 0;
      outer.comp_dir = outer.file && outer.file[0] != '/' && dw.attr(cu, DW_AT_comp_dir, &at) ? dw.formstring(&at) : NULL;
    }
  }
  free(scopes);
  out[n++] = outer;
  return n;
}

/* The name Valgrind gives the function at address a of module m, if name (the one
 * libdw picked among the symbol's aliases) is another: libc's strdup is __strdup too
 * (and __GI___strdup in its debug symbols), and libdw may pick either; readers and
 * Valgrind's suppression files know it as strdup.  Name less a "__GI_" and its leading
 * underscores, if the process's symbol of that name is the same function: the one
 * dlsym finds starts where name's does (an interposed strdup does not: name stays).
 * NULL if none. */
static const char *plain_alias(Dwfl_Module *m, Dwarf_Addr a, const char *name) {
  if (!name || name[0] != '_' || name[1] != '_' || !dw.addrinfo) return NULL;
  const char *plain = name;
  if (strncmp(plain, "__GI_", 5) == 0) plain += 5;
  while (*plain == '_') plain++;
  GElf_Off offset = 0;
  GElf_Sym sym;
  if (!*plain || !dw.addrinfo(m, a, &offset, &sym, NULL, NULL, NULL)) return NULL;
  void *same = dlsym(RTLD_DEFAULT, plain);
  return same && (Dwarf_Addr)(uintptr_t)same == a - offset ? plain : NULL;
}

/* The function, file and line of address a of module m into out[0..n), its inlined
 * calls first (inline_frames); n. */
static unsigned module_frames(Dwfl_Module *m, Dwarf_Addr a, struct where *out) {
  out[0].func = dw.addrname(m, a);
  const char *plain = plain_alias(m, a, out[0].func);
  if (plain) {
    out[0].alias = out[0].func;
    out[0].func = plain;
  }
  source_line(m, a, &out[0]);
  return inline_frames(m, a, out);
}

static unsigned symbolise(uintptr_t pc, struct where *out) {
  struct where *w = out;
  *w = (struct where){ 0 };
  if (hg_stack_no_symbols) return 1;
  if (symboliser_ready()) {
    /* Stale after a dlclose: an object mapped since may be where one of the old view's
     * was. */
    if (dw.generation != atomic_load_explicit(&hg_unload_generation, memory_order_acquire))
      refresh_modules();
    Dwfl_Module *m = dw.addrmodule(dw.dwfl, pc);
    if (!m) {   /* loaded after the last look at the process's modules */
      refresh_modules();
      m = dw.addrmodule(dw.dwfl, pc);
    }
    if (m) {
      w->module = dw.modinfo(m, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
      return module_frames(m, pc, out);
    }
  }
  Dl_info info;
  if (dladdr((void *)pc, &info)) {
    w->func = info.dli_sname;
    w->module = info.dli_fname;
  }
  return 1;
}

/* ---- C++ names, demangled for display ------------------------------------------------
 *
 * By libstdc++'s __cxa_demangle (a C++ program has libstdc++.so.6 loaded; a home-made
 * demangler would get templates, lambdas and ABI tags wrong), looked up with dlsym only
 * when a name is mangled: no import, nothing loaded.  It allocates (with malloc: ours,
 * with hg_stack_quiet set, as libdw's allocations), so it is called where libdw is,
 * from the printer only.  Suppressions and --gen-suppressions keep the mangled names,
 * as Valgrind's do (hg_stack_where is not demangled). */
typedef char *(*cxa_demangle_fn)(const char *mangled, char *buf, size_t *len, int *status);
static struct {
  cxa_demangle_fn fn;
  unsigned generation;   /* hg_unload_generation when fn was found (a dlclose may unload it) */
} cxa;

/* name demangled, in memory from malloc the caller frees; NULL if not mangled, not
 * demangled (--demangle=no, no libstdc++ loaded) or not valid. */
static char *demangled(const char *name) {
  if (!hg_opt.demangle || !name || name[0] != '_' || name[1] != 'Z') return NULL;
  unsigned generation = atomic_load_explicit(&hg_unload_generation, memory_order_acquire);
  if (!cxa.fn || cxa.generation != generation) {   /* (not found: looked up again next time) */
    *(void **)&cxa.fn = dlsym(RTLD_DEFAULT, "__cxa_demangle");
    cxa.generation = generation;
  }
  if (!cxa.fn) return NULL;
  int status = -1;
  char *text = cxa.fn(name, NULL, NULL, &status);
  if (status != 0) {
    free(text);
    text = NULL;
  }
  return text;
}

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

/* The offline session, with every unloaded object whose file is unchanged reported at
 * a place of its own: object k's offset o at (k + 1) << HG_UNLOAD_OFFSET_BITS plus o. */
static Dwfl *offline_session(void) {
  unsigned n = hg_unloaded_count();
  if (!dw.offline) dw.offline = dw.begin(&dw.offline_callbacks);
  if (!dw.offline || dw.offline_reported >= n) return dw.offline;
  dw.report_begin_add(dw.offline);
  for (unsigned k = dw.offline_reported; k < n; k++) {
    const struct hg_unloaded *o = hg_unloaded_get(k);
    struct stat st;
    if (!o || !o->have_identity || stat(o->path, &st) != 0 || (uint64_t)st.st_dev != o->dev ||
        (uint64_t)st.st_ino != o->ino || (uint64_t)st.st_size != o->size ||
        (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec != o->mtime_ns)
      continue;   /* gone or changed: its frames stay "???" */
    dw.report_elf(dw.offline, base_name(o->path), o->path, -1, (GElf_Addr)(k + 1) << HG_UNLOAD_OFFSET_BITS, true);
  }
  dw.report_end(dw.offline, NULL, NULL);
  dw.offline_reported = n;
  return dw.offline;
}

/* An encoded frame (unload.h), minus back (1 for a return address: the call itself). */
static unsigned symbolise_unloaded(uintptr_t frame, uintptr_t back, struct where *out) {
  struct where *w = out;
  *w = (struct where){ 0 };
  const struct hg_unloaded *o = hg_unloaded_get(hg_unload_index(frame));
  if (!o) return 1;
  w->module = o->path[0] ? o->path : "an unloaded object";
  if (hg_stack_no_symbols || !symboliser_ready() || !offline_session()) return 1;
  GElf_Addr a = ((GElf_Addr)hg_unload_index(frame) + 1) << HG_UNLOAD_OFFSET_BITS;
  a += hg_unload_offset(frame) - back;
  Dwfl_Module *m = dw.addrmodule(dw.offline, a);
  return m ? module_frames(m, a, out) : 1;
}

/* ---- symbolised addresses, remembered until the modules are read again --------------
 *
 * A report of thousands of leaks symbolises the same few thousand addresses again and
 * again (their stacks share callers), and an address costs a symbol table search, a
 * line table search and, for its inlined calls, two walks over its unit's entries
 * (inline_frames): a leak report of python3's blocks at exit (--show-leak-kinds=all,
 * 23,671 records, 211,549 frames) took 11.1 s of CPU without inlined calls, 13.7 s with
 * them, 2.9 s with this table (docs/architecture.md).  So each address's frames are
 * kept, by address (an unloaded object's in its encoded form, which names the object),
 * in memory mapped for them on the first report (not malloc: check mode's blocks), and
 * forgotten with the modules (refresh_modules: their strings are libdw's).  Full:
 * addresses are symbolised as before, uncached.  Reports are printed one at a time (the
 * report lock), as the unit tables above are read. */
#define SYM_SLOTS (1u << 15)
#define SYM_POOL (1u << 16)   /* frames kept, inlined ones included */
#define SYM_PROBES 32
static struct sym_cache {
  struct sym_slot {
    uintptr_t key;   /* the address (f minus back); 0: empty */
    uint32_t epoch;  /* sym.epoch when stored: an older one is empty */
    uint32_t first;  /* its frames: pool[first, first + n) */
    uint32_t n;
  } *slots;
  struct where *pool;
  uint32_t used, epoch;
  bool failed;   /* no memory for it: no cache */
} sym;

static void forget_symbols(void) {
  sym.epoch++;
  sym.used = 0;
}

static struct sym_slot *sym_slot(uintptr_t key, bool *found) {
  *found = false;
  if (!sym.slots && !sym.failed) {
    size_t bytes = hg_align_up(SYM_SLOTS * sizeof *sym.slots + SYM_POOL * sizeof *sym.pool, HG_PAGE);
    char *mem = hg_os_map(bytes);
    sym.failed = !mem;
    if (mem) {
      sym.slots = (struct sym_slot *)mem;
      sym.pool = (struct where *)(mem + SYM_SLOTS * sizeof *sym.slots);
      sym.epoch = 1;
    }
  }
  if (!sym.slots) return NULL;
  size_t h = (size_t)((key * 0x9E3779B97F4A7C15ull) >> (64 - 15));
  for (unsigned probe = 0; probe < SYM_PROBES; probe++) {
    struct sym_slot *slot = &sym.slots[(h + probe) & (SYM_SLOTS - 1)];
    if (slot->epoch != sym.epoch) return slot;   /* (empty: not stored since the modules were read) */
    if (slot->key == key) {
      *found = true;
      return slot;
    }
  }
  return NULL;
}

/* Frame f (encoded or not), minus back, into out[0..n) (room for INLINE_MAX): the
 * functions inlined at it, innermost first, then its own; n (at least 1). */
static unsigned symbolise_frame(uintptr_t f, uintptr_t back, struct where out[INLINE_MAX]) {
  /* (Stale after a dlclose, before the cache is read: an object mapped since may be
   * where one of the old view's was.) */
  if (!hg_stack_no_symbols && dw.dwfl &&
      dw.generation != atomic_load_explicit(&hg_unload_generation, memory_order_acquire))
    refresh_modules();
  bool found;
  struct sym_slot *slot = hg_stack_no_symbols ? NULL : sym_slot(f - back, &found);
  if (slot && found) {
    __builtin_memcpy(out, &sym.pool[slot->first], slot->n * sizeof *out);
    return slot->n;
  }
  uint32_t epoch = sym.epoch;
  unsigned n = f & HG_FRAME_UNLOADED ? symbolise_unloaded(f, back, out) : symbolise(f - back, out);
  /* (Not if the modules were read again meanwhile: the slot is then another epoch's.) */
  if (slot && epoch == sym.epoch && sym.used + n <= SYM_POOL) {
    __builtin_memcpy(&sym.pool[sym.used], out, n * sizeof *out);
    *slot = (struct sym_slot){ f - back, sym.epoch, sym.used, n };
    sym.used += n;
  }
  return n;
}

/* Does frame w end the stack?  Below main is libc's start code. */
static bool stack_end(const struct where *w) {
  return w->func && (strcmp(w->func, "main") == 0 || strncmp(w->func, "__libc_start_", 13) == 0);
}

/* In a statically linked program (where the allocator's own frames are not told apart
 * at capture), the first of frames[0..n) after the allocator's entry point (an inlined
 * function's name counts as its frame's). */
static unsigned first_program_frame(const uintptr_t *frames, unsigned n, bool exact) {
  unsigned first = 0;
  if (!hg_stack_linked_statically() || exact) return 0;
  for (unsigned i = 0; i < n && i < HG_STACK_OWN_FRAMES_MAX; i++) {
    struct where w[INLINE_MAX];
    unsigned k = symbolise_frame(__atomic_load_n(&frames[i], __ATOMIC_RELAXED), 1, w);
    for (unsigned j = 0; j < k; j++)
      if (hg_stack_is_entry_point(w[j].func)) first = i + 1;
  }
  return first;
}

/* One symbolised line of frame f (encoded or not): w, demangled for display.  back: 1
 * if f is a return address.  The address printed is then f - 1, a byte of the call
 * instruction, as Valgrind prints it: the one addr2line (or gdb's info line) turns into
 * the call's line, where the return address may be the next line's, or the next
 * function's after a call that does not return. */
static void print_frame(uintptr_t f, uintptr_t back, const char *lead, const struct where *w) {
  char *readable = demangled(w->func);
  const char *func = readable ? readable : w->func ? w->func : "???";
  uintptr_t file_offset = 0, a = f & HG_FRAME_UNLOADED ? hg_stack_unloaded_address(f, &file_offset) : f;
  a -= back;
  file_offset -= back;
  if (hg_xml_on) hg_xml_frame(a, w->module, readable ? readable : w->func, w->file, w->comp_dir, w->line);
  if (f & HG_FRAME_UNLOADED) {
    if (w->file)
      hg_diag_line("   %s %p: %s (%s:%d) (in %s, unloaded)", lead, (void *)a, func, base_name(w->file), w->line,
                   w->module);
    else
      hg_diag_line("   %s %p: %s (in %s+0x%lx, unloaded)", lead, (void *)a, func, w->module,
                   (unsigned long)file_offset);
  } else if (w->file)
    hg_diag_line("   %s %p: %s (%s:%d)", lead, (void *)a, func, base_name(w->file), w->line);
  else if (w->module)
    hg_diag_line("   %s %p: %s (in %s)", lead, (void *)a, func, w->module);
  else
    hg_diag_line("   %s %p: ???", lead, (void *)a);
  free(readable);
}

/* --stack-depth counts the frames printed, inlined ones included, as Valgrind's
 * --num-callers does: a stack of 12 return addresses may print more than 12 lines
 * only if the depth allows them. */
static void print_stack(hg_stack_t id, const char *api) {
  if (api) hg_diag_line("   at %s (heapguard)", api);
  if (!id) {
    hg_diag_line("   %s(no stack recorded)", api ? "by " : "");
    return;
  }
  unsigned n;
  bool exact_first;
  const uintptr_t *frames = hg_stack_frames(id, &n, &exact_first);
  if (hg_stack_no_symbols || hg_started_without_loader()) {
    hg_stack_print_unsymbolised(frames, n, api, exact_first, !hg_stack_no_symbols);
    return;
  }
  uintptr_t exact = exact_first ? 1 : 0;   /* frame 0: no return address */
  hg_stack_quiet++;
  unsigned first = first_program_frame(frames, n, exact);
  size_t depth = hg_opt.stack_depth ? hg_opt.stack_depth : HG_STACK_MAX_DEPTH, shown = 0;
  for (unsigned i = first; i < n && shown < depth; i++) {
    /* (One load: a dlclose may be rewriting it.) */
    uintptr_t f = __atomic_load_n(&frames[i], __ATOMIC_RELAXED);
    /* A return address points after the call: look up the call itself. */
    struct where w[INLINE_MAX];
    uintptr_t back = i == 0 ? 1 - exact : 1;
    unsigned k = symbolise_frame(f, back, w);
    bool end = false;
    for (unsigned j = 0; j < k && shown < depth; j++, shown++) {
      print_frame(f, back, shown == 0 && !api ? "at" : "by", &w[j]);
      end |= stack_end(&w[j]);
    }
    if (end) break;
  }
  hg_stack_quiet--;
}

void hg_stack_print(hg_stack_t id, const char *api) {
  if (hg_xml_on) hg_xml_stack_begin(api);   /* its frames given one by one, its lines not */
  print_stack(id, api);
  if (hg_xml_on) hg_xml_stack_end();
}

unsigned hg_stack_where(hg_stack_t id, struct hg_frame_where *out, unsigned max) {
  unsigned n, k = 0;
  bool exact_first;
  const uintptr_t *frames = id ? hg_stack_frames(id, &n, &exact_first) : NULL;
  if (!frames) return 0;
  bool named = !hg_stack_no_symbols && hg_started_without_loader();
  uintptr_t exact = exact_first ? 1 : 0;
  hg_stack_quiet++;
  unsigned first = 0;
  if (named && hg_stack_linked_statically() && !exact) {   /* as print_unsymbolised */
    for (unsigned i = 0; i < n && i < HG_STACK_OWN_FRAMES_MAX; i++)
      if (hg_stack_is_entry_point(hg_stack_exe_name(__atomic_load_n(&frames[i], __ATOMIC_RELAXED), 1))) first = i + 1;
  } else if (!named) {
    first = first_program_frame(frames, n, exact);
  }
  size_t depth = hg_opt.stack_depth ? hg_opt.stack_depth : HG_STACK_MAX_DEPTH;
  for (unsigned i = first; i < n && k < depth && k < max; i++) {
    uintptr_t f = __atomic_load_n(&frames[i], __ATOMIC_RELAXED), back = i == 0 ? 1 - exact : 1;
    struct where w[INLINE_MAX] = { { 0 } };
    unsigned m = 1;
    if (named) w[0].func = hg_stack_exe_name(f, back);
    else m = symbolise_frame(f, back, w);
    if ((f & HG_FRAME_UNLOADED) && !w[0].module) {
      const struct hg_unloaded *o = hg_unloaded_get(hg_unload_index(f));
      if (o && o->path[0]) w[0].module = o->path;
    }
    bool end = false;
    for (unsigned j = 0; j < m && k < depth && k < max; j++) {
      if (!w[j].module) w[j].module = w[0].module;
      __builtin_memcpy(&out[k++], &w[j], sizeof w[j]);
      end |= stack_end(&w[j]);
    }
    if (end) break;
  }
  hg_stack_quiet--;
  return k;
}

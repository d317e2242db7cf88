/* suppress.h — suppression files (HEAPGUARD_SUPPRESSIONS), Valgrind's syntax
 * (supp_parse.h), and the suppression blocks --gen-suppressions prints.
 *
 * The files are read once, at start (hg_supp_init, under the init lock), into mapped
 * memory with read(2): no malloc, no stdio.  A file that cannot be read or parsed gets
 * one "heapguard:" line and is left out; the others still count.  Matching symbolises a
 * stack, so it runs only when an error is about to be reported, once per context
 * (diag.c: hg_diag_error_site), with no allocator lock held; never on the allocation
 * path. */
#ifndef HG_SUPPRESS_H
#define HG_SUPPRESS_H

#include "internal.h"
#include "check.h"
#include "stack.h"
#include "supp_parse.h"

/* What an error is matched on: the stack a user can name for it (the first stack of
 * its report; for a use after free found afterwards, the free's), and the allocator
 * entry point that stack was taken in (its first frame, "fun:malloc" as Valgrind's
 * replacement is; HG_API_NONE: none).  leak_kind: HG_LEAK_KIND_* for a leak, else 0.  note:
 * a line of explanation printed before a generated suppression, or NULL. */
struct hg_supp_site {
  hg_stack_t stack;
  enum hg_api api;
  unsigned leak_kind;
  const char *note;
};

/* Read the files HEAPGUARD_SUPPRESSIONS names (':' between them). */
void hg_supp_init(void);
/* Whether any suppression is loaded (then the summaries say what was suppressed). */
extern HG_HIDDEN bool hg_supp_loaded;

/* Whether an error of `kind` (a report's kind name) at site is suppressed; counts it
 * against the suppression that matched.  Symbolises: no allocator lock held. */
bool hg_supp_match(const char *kind, const struct hg_supp_site *site);

/* --gen-suppressions=all: the block that would suppress this error, ready to paste,
 * without the "==PID==" prefix (as Valgrind prints it).  Symbolises. */
void hg_supp_print(const char *kind, const struct hg_supp_site *site);

/* "used_suppression: N name file:line" for each suppression that matched (the
 * summary's, as Valgrind's -v shows them); xml: each as the XML document's <suppcounts>
 * pair instead (xml.h). */
void hg_supp_print_used(bool xml);
/* A fork child counts its own errors (diag.c forgets the parent's): the uses too. */
void hg_supp_fork_child(void);

#endif

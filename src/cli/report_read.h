/* report_read.h — what `heapguard report`'s two files share: report_read.c reads and
 * checks a timeline (or a snapshot) into struct timeline; report.c renders it as the
 * HTML page and is the command. */
#ifndef HG_CLI_REPORT_READ_H
#define HG_CLI_REPORT_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"

/* The fields of a sample (and of the final record), in this order in struct point. */
enum field { F_T_MS, F_REQUESTED, F_IN_USE, F_MAPPED, F_META, F_RSS, F_FREE, F_FREE_RUNS,
             F_LARGEST_FREE, F_EXTERNAL_FRAG, F_INTERNAL_WASTE, F_MALLOCS, F_FREES,
             F_KERNEL_CALLS, N_FIELDS };
extern const char *const field_names[N_FIELDS];

struct point {
  double v[N_FIELDS];
};

struct timeline {
  const char *source;              /* the file name, for messages and the page */
  struct json start;               /* the start record (JSON_NULL if none) */
  struct point *points;            /* the samples, then the final record if it has a time */
  size_t n_points, cap_points;
  size_t n_samples;                /* sample records among the points */
  struct json final;               /* the final record (JSON_NULL if none) */
  struct json snapshot;            /* the last snapshot record (JSON_NULL if none) */
  bool from_snapshot;              /* final is that snapshot: the file has no final record */
  struct point final_point;        /* its sample fields */
  bool final_has_time;
  int records;                     /* complete records read */
  bool truncated;                  /* the file ends inside a record ... */
  int truncated_line;              /* ... that starts on this line */
};


/* The lists of the final record that the page shows, and the members of their items:
 * numbers every item has, numbers it may have, strings every item has (each list
 * NULL-terminated, or NULL for none).  read_final checks the required members;
 * write_final copies all of them, and nothing else, to the page. */
struct list_spec {
  const char *key;
  const char *const *numbers, *const *optional, *const *strings;
};
#define N_FINAL_LISTS 3
extern const struct list_spec final_lists[N_FINAL_LISTS];

/* Read every record of text into tl (zeroed but for its source, the name for
 * messages); exits with status 1 and a message giving the line on an invalid file. */
void read_timeline(struct timeline *tl, const char *text, size_t len);
/* What read_timeline allocated. */
void timeline_free(struct timeline *tl);

#endif

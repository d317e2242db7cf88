/* timeline.h — stats mode's timeline (HEAPGUARD_TIMELINE): what timeline.c and
 * stats_out.c give each other.  timeline.c owns the file and decides when to sample;
 * stats_out.c formats the records (JSON Lines, contract in docs/stats-format.md) with
 * the same code and buffers as the stats table's JSON, under the stats lock. */
#ifndef HG_TIMELINE_H
#define HG_TIMELINE_H

#include "stats.h"

/* ---- timeline.c, for stats_out.c -------------------------------------------------------- */

/* The timeline is being written: its file is open and took every record so far. */
extern HG_HIDDEN _Atomic bool hg_timeline_on;

/* At start: open HEAPGUARD_TIMELINE and write the start record. */
void hg_timeline_open(void);
/* From hg_stats_tick (every observed allocation) while hg_timeline_on: a sample if one
 * is due.  errno kept. */
void hg_timeline_tick(void);
/* A fork's child: the parent's timeline is not its own; a file of its own if the name
 * has %p. */
void hg_timeline_fork_child(void);
/* At exit: no more samples.  True if the final record is due, written by
 * hg_timeline_final from the exit's snapshot (with its map of spans). */
bool hg_timeline_stop(void);
void hg_timeline_final(const struct hg_snapshot *sn);

/* ---- stats_out.c, for timeline.c -------------------------------------------------------- */

/* The records, each written to fd (the start and sample records in one write); 0, or
 * the error of the write that failed.  Under the stats lock (its line buffer). */
int hg_stats_timeline_start(int fd);
int hg_stats_timeline_sample(int fd, const struct hg_snapshot *sn, bool regular);
int hg_stats_timeline_final(int fd, const struct hg_snapshot *sn);
/* "heapguard: cannot write the <what> file <name> (error <n>): <then>" on the copy of
 * stderr made at start, the name with this process's id for %p. */
HG_COLD void hg_stats_file_failed(const char *what, const char *pattern, int error,
                                  const char *then);

#endif

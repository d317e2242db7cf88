/* leak_heuristic.h — Valgrind's leak check heuristics, for check mode's leak scan
 * (leak.c): which pointers into a live block's middle count as pointers to its start,
 * and which reachable blocks were reached that way (the summary's "of which reachable
 * via heuristic" lines).
 *
 * Valgrind 3.19's four (--leak-check-heuristics, all of them by default; heapguard's
 * HEAPGUARD_LEAK_CHECK_HEURISTICS, numparse.h's HG_HEUR_ bits), each a pointer to a
 * word-aligned place in the block, with the block's first words telling the shape:
 *   stdstring: 3 words in, after the header of a copy-on-write std::string of
 *     libstdc++'s old ABI: its length, at most its capacity, then the capacity, with
 *     which the header and the characters and their NUL fill the block exactly;
 *   length64: 1 word in, after a word holding the block's size less that word
 *     (SQLite's allocations);
 *   newarray: 1 word in, after the element count of a C++ new[] array of objects with
 *     a destructor: a count that divides the rest of the block;
 *   multipleinheritance: anywhere in the block, at a vtable pointer (a base class's
 *     subobject not at offset 0), where the block's first word is a vtable pointer too
 *     (the object's primary base).  An address is taken for a vtable's if it lies in a
 *     readable mapping of a loaded object, a file that has code mapped (the vtables are
 *     in its read-only data), and the words from there, up to 20 of them and within
 *     that mapping, hold at least two addresses of code (a mapping of a file that is
 *     executable) before any word that is neither that nor zero (a pure virtual slot may
 *     be 0).  As Valgrind's rule, a class with a single virtual function is not
 *     recognised (its vtable's next word, another vtable's type information, is data).
 * The block's words are read only where the scan can read (the unreadable ranges), the
 * vtable's only within the mapping found. */
#ifndef HG_LEAK_HEURISTIC_H
#define HG_LEAK_HEURISTIC_H

#include "blocks.h"
#include "internal.h"
#include "maps.h"
#include "unreadable.h"

/* The heuristics by number (1 + the bit's place in HG_HEUR_), 0: none. */
enum { HG_HEURISTICS = 4 };

/* The files' mappings, for the multipleinheritance heuristic: noted in the scan's walk
 * of the maps (the other threads stopped), in address order, mapped at the first one
 * and grown as needed (none if that fails: the heuristic then recognises nothing). */
struct hg_file_map;
struct hg_heur_files {
  struct hg_file_map *maps;
  size_t n, cap, bytes;
};

/* Mapping m, in a walk of the maps in address order. */
void hg_heur_files_note(struct hg_heur_files *f, const struct hg_mapping *m);
/* After the walk: the readable mappings of files that have code mapped are told. */
void hg_heur_files_done(struct hg_heur_files *f);
void hg_heur_files_free(struct hg_heur_files *f);

/* Which heuristic (1..HG_HEURISTICS, of those in `enabled`, HG_HEUR_ bits) takes w,
 * inside live block b (at user) but not at its start, for a pointer to its start; 0:
 * none.  Valgrind's order: the first that does. */
unsigned hg_heuristic_start(const struct hg_heur_files *f, const struct hg_unreadable *u, const struct hg_block *b,
                            uintptr_t user, uintptr_t w, unsigned enabled);

/* Which heuristic made each reachable block reachable, a byte per record (by its
 * number, hg_blocks_number; the records' flags byte is full): mapped at the first such
 * block (address space for every record, pages touched only where they are); 0 for a
 * block reached otherwise, or pointed to at its start later in the first phase, which
 * Valgrind's summary leaves out of its breakdown too.  The breakdown is of the still
 * reachable blocks, as Valgrind's manual says ("the heuristically reachable subset of
 * still reachable"); Valgrind 3.19 also counts there a possibly lost block that a
 * heuristic's pointer from another possibly lost block met (its breakdown can then
 * exceed its "still reachable"): heapguard does not. */
struct hg_heur_marks {
  uint8_t *by_record;
  size_t bytes;
  bool failed;   /* could not be mapped: no breakdown (said in the summary) */
};

void hg_heur_mark(struct hg_heur_marks *hm, size_t record, unsigned heuristic);
static inline unsigned hg_heur_of(const struct hg_heur_marks *hm, size_t record) {
  return hm->by_record ? hm->by_record[record] : 0;
}
static inline void hg_heur_forget(struct hg_heur_marks *hm, size_t record) {
  if (hm->by_record && hm->by_record[record]) hm->by_record[record] = 0;
}
void hg_heur_marks_free(struct hg_heur_marks *hm);

/* The summary's lines under "still reachable", Valgrind's: none if no block was
 * reached by a heuristic; bytes and blocks by heuristic number less 1. */
void hg_heur_print_breakdown(const struct hg_heur_marks *hm, const size_t bytes[HG_HEURISTICS],
                             const size_t blocks[HG_HEURISTICS]);

#endif

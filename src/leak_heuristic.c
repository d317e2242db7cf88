/* leak_heuristic.c — Valgrind's leak check heuristics (see leak_heuristic.h). */
#include "leak_heuristic.h"

#include "diag.h"
#include "numparse.h"
#include "options.h"
#include "os.h"

struct hg_file_map {
  uintptr_t start, end;
  uint64_t dev, inode;
  bool readable, executable;
  bool vtables;   /* readable, and its file has code mapped: may hold vtables */
};

void hg_heur_files_note(struct hg_heur_files *f, const struct hg_mapping *m) {
  if (!m->inode || (!m->readable && !m->executable) || f->bytes == SIZE_MAX) return;
  if (f->n == f->cap) {
    size_t bytes = f->bytes ? 2 * f->bytes : 16 * HG_PAGE;
    void *p = f->bytes ? hg_os_remap(f->maps, f->bytes, bytes) : hg_os_map(bytes);
    if (!p) {   /* the heuristic then recognises nothing: blocks stay possibly lost */
      hg_heur_files_free(f);
      f->bytes = SIZE_MAX;
      return;
    }
    f->maps = p;
    f->bytes = bytes;
    f->cap = bytes / sizeof *f->maps;
  }
  f->maps[f->n++] = (struct hg_file_map){ m->start, m->end, m->dev, m->inode, m->readable, m->executable, false };
}

/* A file's mappings lie together (a loaded object's segments, in order): its readable
 * ones may hold vtables if one of them, before or after, is executable.  A data file
 * the program mapped has none, and is never read (a word past its end would be
 * SIGBUS). */
void hg_heur_files_done(struct hg_heur_files *f) {
  for (size_t i = 0, j; i < f->n; i = j) {
    bool code = false;
    for (j = i; j < f->n && f->maps[j].dev == f->maps[i].dev && f->maps[j].inode == f->maps[i].inode; j++)
      code |= f->maps[j].executable;
    for (size_t k = i; k < j; k++) f->maps[k].vtables = code && f->maps[k].readable;
  }
}

void hg_heur_files_free(struct hg_heur_files *f) {
  if (f->bytes && f->bytes != SIZE_MAX) hg_os_unmap(f->maps, f->bytes);
  *f = (struct hg_heur_files){ 0 };
}

/* The file mapping holding a, or NULL. */
static const struct hg_file_map *file_map_of(const struct hg_heur_files *f, uintptr_t a) {
  size_t lo = 0, hi = f->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (a < f->maps[mid].start) hi = mid;
    else if (a >= f->maps[mid].end) lo = mid + 1;
    else return &f->maps[mid];
  }
  return NULL;
}

/* Whether v, a word read from a block, may be the address of a vtable (the top). */
static bool vtable_at(const struct hg_heur_files *f, uintptr_t v) {
  enum { WORDS = 20, CODE = 2 };
  if (v < HG_PAGE || v % sizeof(uintptr_t)) return false;
  const struct hg_file_map *m = file_map_of(f, v);
  if (!m || !m->vtables) return false;
  unsigned code = 0;
  for (uintptr_t a = v; a < v + WORDS * sizeof(uintptr_t) && a + sizeof(uintptr_t) <= m->end; a += sizeof(uintptr_t)) {
    uintptr_t entry = *(const uintptr_t *)a;
    if (!entry) continue;
    const struct hg_file_map *to = file_map_of(f, entry);
    if (!to || !to->executable) return false;
    if (++code == CODE) return true;
  }
  return false;
}

unsigned hg_heuristic_start(const struct hg_heur_files *f, const struct hg_unreadable *u, const struct hg_block *b,
                            uintptr_t user, uintptr_t w, unsigned enabled) {
  const size_t word = sizeof(size_t);
  size_t size = b->size, off = w - user;
  /* (the words before w: the header the first three look at) */
  if (off % word || size < off || hg_unreadable_meets(u, user, w)) return 0;
  const size_t *head = (const size_t *)user;
  if (off == 3 * word && (enabled & HG_HEUR_STDSTRING) && head[1] == size - 3 * word - 1 && head[0] <= head[1])
    return 1;
  if (off == word && (enabled & HG_HEUR_LENGTH64) && head[0] && head[0] == size - word) return 2;
  if (off == word && (enabled & HG_HEUR_NEWARRAY) && head[0] && (size - word) % head[0] == 0) return 3;
  if ((enabled & HG_HEUR_MULTIPLEINHERITANCE) && f->n && off + word <= size && !hg_unreadable_meets(u, w, w + word) &&
      vtable_at(f, *(const uintptr_t *)w) && vtable_at(f, head[0]))
    return 4;
  return 0;
}

void hg_heur_mark(struct hg_heur_marks *hm, size_t record, unsigned heuristic) {
  if (!hm->by_record) {
    if (hm->failed) return;
    size_t bytes = hg_align_up(hg_blocks_capacity(), HG_PAGE);
    hm->by_record = hg_os_map(bytes);
    if (!hm->by_record) {
      hm->failed = true;
      return;
    }
    hm->bytes = bytes;
  }
  hm->by_record[record] = (uint8_t)heuristic;
}

void hg_heur_marks_free(struct hg_heur_marks *hm) {
  if (hm->by_record) hg_os_unmap(hm->by_record, hm->bytes);
  *hm = (struct hg_heur_marks){ 0 };
}

void hg_heur_print_breakdown(const struct hg_heur_marks *hm, const size_t bytes[HG_HEURISTICS],
                             const size_t blocks[HG_HEURISTICS]) {
  static const char names[HG_HEURISTICS][HG_HEUR_NAME_BYTES] = HG_HEUR_NAMES;
  if (hm->failed) {
    hg_diag_line("                      (reachable via heuristic: not counted, no memory for the table)");
    return;
  }
  bool any = false;
  for (unsigned h = 0; h < HG_HEURISTICS; h++) any |= blocks[h] != 0;
  if (!any) return;
  hg_diag_line("                      of which reachable via heuristic:");
  for (unsigned h = 0; h < HG_HEURISTICS; h++)
    if (blocks[h]) hg_diag_line("                        %-19s: %zu bytes in %zu blocks", names[h], bytes[h], blocks[h]);
}

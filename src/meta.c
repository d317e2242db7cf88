/* meta.c — bump allocation of metadata from dedicated mappings (see meta.h). */
#include "meta.h"

#include <string.h>

#include "lock.h"
#include "os.h"
#include "pagemap.h"
#include "span.h"
#include "trace.h"

#define META_CHUNK (256 * HG_KiB)

static hg_lock_t meta_lock = HG_LOCK_INIT;
static char *bump_cur, *bump_end;          /* the current metadata mapping */
static size_t mapped;                      /* bytes mapped for metadata, all time */
static struct hg_span *free_spans;         /* recycled descriptors, linked by ->next */

static void *bump(size_t size) {
  size = hg_align_up(size, 64);
  if (size >= META_CHUNK) {   /* big records (pagemap leaves) get a mapping of their own */
    unsigned why = size == sizeof(struct hg_pm_leaf) ? HG_WHY_META_LEAF : HG_WHY_META_RECORD;
    size = hg_align_up(size, HG_PAGE);
    hg_trace_why(why, size, 0);
    void *p = hg_os_map(size);
    if (p) {
      mapped += size;
      hg_trace_why(why, size, 0);
      hg_os_no_huge_pages(p, size);   /* sparse: a page map leaf is touched here and there */
    }
    return p;
  }
  if ((size_t)(bump_end - bump_cur) < size) {
    size_t chunk = size > META_CHUNK ? hg_align_up(size, HG_PAGE) : META_CHUNK;
    hg_trace_why(HG_WHY_META_CHUNK, chunk, 0);
    char *m = hg_os_map(chunk);
    if (!m) return NULL;
    mapped += chunk;
    /* The tail of the previous chunk is abandoned: metadata is never freed wholesale. */
    bump_cur = m;
    bump_end = m + chunk;
  }
  void *p = bump_cur;
  bump_cur += size;
  return p;   /* fresh mappings are zero and bump memory is never reused */
}

void *hg_meta_alloc(size_t size) {
  hg_lock(&meta_lock);
  void *p = bump(size);
  hg_unlock(&meta_lock);
  return p;
}

struct hg_span *hg_meta_span_new(void) {
  hg_lock(&meta_lock);
  struct hg_span *s = free_spans;
  if (s) {
    free_spans = s->next;
    struct hg_stats_slots *req = s->req;   /* stats mode's side array stays with it */
    memset(s, 0, sizeof *s);
    s->req = req;
  } else {
    s = bump(sizeof *s);
  }
  hg_unlock(&meta_lock);
  return s;
}

void hg_meta_span_delete(struct hg_span *s) {
  hg_lock(&meta_lock);
  s->kind = HG_SPAN_DEAD;
  s->next = free_spans;
  free_spans = s;
  hg_unlock(&meta_lock);
}

size_t hg_meta_bytes_mapped(void) { return mapped; }

void hg_meta_fork_prepare(void) { hg_lock_fork(&meta_lock); }
void hg_meta_fork_parent(void) { hg_unlock_fork(&meta_lock); }
void hg_meta_fork_child(void) { hg_lock_reset(&meta_lock); }

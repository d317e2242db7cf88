/* stats.c — reading the allocator's state: hg_stats_get, and glibc's mallinfo,
 * mallinfo2, malloc_stats and malloc_info, all from the same figures. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "heapguard.h"
#include "init.h"
#include "meta.h"
#include "os.h"
#include "region.h"

#define HG_EXPORT __attribute__((visibility("default")))

HG_EXPORT const char *hg_version(void) { return HEAPGUARD_VERSION; }

static void snapshot(struct hg_stats *st) {
  hg_init();
  struct hg_region_stats r;
  hg_region_stats(&r);
  *st = (struct hg_stats){
    .in_use = r.small_in_use + r.medium_bytes + r.large_bytes,
    .heap_bytes = r.brk_bytes,
    .region_bytes = r.mmap_region_bytes,
    .large_bytes = r.large_bytes,
    .large_count = r.large_count,
    .free_bytes = r.free_bytes,
    .free_runs = r.free_runs,
    .largest_free = r.largest_free,
    .dirty_bytes = r.dirty_bytes,
    .meta_bytes = hg_meta_bytes_mapped(),
    .brk_calls = atomic_load(&hg_os_calls.brk),
    .mmap_calls = atomic_load(&hg_os_calls.mmap),
    .munmap_calls = atomic_load(&hg_os_calls.munmap),
    .madvise_calls = atomic_load(&hg_os_calls.madvise),
    .mremap_calls = atomic_load(&hg_os_calls.mremap),
  };
}

HG_EXPORT int hg_stats_get(struct hg_stats *st, size_t size) {
  if (!st || size < sizeof(struct hg_stats)) return -1;
  snapshot(st);
  return 0;
}

HG_EXPORT struct mallinfo2 mallinfo2(void) {
  hg_init();
  struct hg_region_stats r;
  hg_region_stats(&r);
  struct mallinfo2 mi = { 0 };
  mi.arena = r.brk_bytes + r.mmap_region_bytes;
  mi.ordblks = r.free_runs;
  mi.hblks = r.large_count;
  mi.hblkhd = r.large_bytes;
  mi.uordblks = r.small_in_use + r.medium_bytes;
  mi.fordblks = mi.arena > mi.uordblks ? mi.arena - mi.uordblks : 0;
  mi.keepcost = r.top_free;
  return mi;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
/* The old interface truncates to int, as glibc's does. */
HG_EXPORT struct mallinfo mallinfo(void) {
  struct mallinfo2 m = mallinfo2();
  struct mallinfo mi = {
    .arena = (int)m.arena, .ordblks = (int)m.ordblks, .smblks = (int)m.smblks,
    .hblks = (int)m.hblks, .hblkhd = (int)m.hblkhd, .usmblks = (int)m.usmblks,
    .fsmblks = (int)m.fsmblks, .uordblks = (int)m.uordblks, .fordblks = (int)m.fordblks,
    .keepcost = (int)m.keepcost,
  };
  return mi;
}
struct mallinfo __libc_mallinfo(void) __attribute__((alias("mallinfo"), copy(mallinfo), visibility("default")));
#pragma GCC diagnostic pop

/* glibc's layout, so that scripts reading it keep working. */
HG_EXPORT void malloc_stats(void) {
  struct hg_region_stats r;
  hg_init();
  hg_region_stats(&r);
  size_t system = r.brk_bytes + r.mmap_region_bytes, in_use = r.small_in_use + r.medium_bytes;
  char buf[512];
  size_t n = hg_format(buf, sizeof buf,
                       "Arena 0:\nsystem bytes     = %10zu\nin use bytes     = %10zu\n"
                       "Total (incl. mmap):\nsystem bytes     = %10zu\nin use bytes     = %10zu\n"
                       "max mmap regions = %10zu\nmax mmap bytes   = %10zu\n",
                       system, in_use, system + r.large_bytes, in_use + r.large_bytes,
                       r.large_max_count, r.large_max_bytes);
  hg_write_all(2, buf, n);
}

HG_EXPORT int malloc_info(int options, FILE *fp) {
  if (options != 0) {
    errno = EINVAL;
    return -1;
  }
  struct hg_region_stats r;
  hg_init();
  hg_region_stats(&r);   /* no lock is held past this point: fputs may allocate */
  size_t system = r.brk_bytes + r.mmap_region_bytes, in_use = r.small_in_use + r.medium_bytes;
  size_t free_bytes = system > in_use ? system - in_use : 0;
  char buf[1536];
  hg_format(buf, sizeof buf,
            "<malloc version=\"1\">\n"
            "<heap nr=\"0\">\n<sizes>\n</sizes>\n"
            "<total type=\"fast\" count=\"0\" size=\"0\"/>\n"
            "<total type=\"rest\" count=\"%zu\" size=\"%zu\"/>\n"
            "<system type=\"current\" size=\"%zu\"/>\n<system type=\"max\" size=\"%zu\"/>\n"
            "<aspace type=\"total\" size=\"%zu\"/>\n<aspace type=\"mprotect\" size=\"%zu\"/>\n"
            "</heap>\n"
            "<total type=\"fast\" count=\"0\" size=\"0\"/>\n"
            "<total type=\"rest\" count=\"%zu\" size=\"%zu\"/>\n"
            "<total type=\"mmap\" count=\"%zu\" size=\"%zu\"/>\n"
            "<system type=\"current\" size=\"%zu\"/>\n<system type=\"max\" size=\"%zu\"/>\n"
            "<aspace type=\"total\" size=\"%zu\"/>\n<aspace type=\"mprotect\" size=\"%zu\"/>\n"
            "</malloc>\n",
            r.free_runs, free_bytes, system, system, system, system,
            r.free_runs, free_bytes, r.large_count, r.large_bytes,
            system + r.large_bytes, system + r.large_bytes, system, system);
  return fputs(buf, fp) < 0 ? -1 : 0;
}

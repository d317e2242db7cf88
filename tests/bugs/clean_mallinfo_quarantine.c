// expect-clean
/* Blocks the program freed are not "in use" to mallinfo2, though check mode's
 * quarantine holds their slots (poisoned, not reusable yet): glibc's uordblks is the
 * bytes of blocks allocated and not freed, and a program (e2fsck -tt prints it, test
 * suites compare it before and after to find their own leaks) read every quarantined
 * slot as a block still allocated: after 2,000 small and 40 medium blocks were
 * freed, uordblks stayed where it was (docs/real-programs.md, round 6).  They count in
 * fordblks instead, as glibc's free chunks do; malloc_stats says the same. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  enum { SMALL = 2000, MEDIUM = 40 };
  static void *small[SMALL], *medium[MEDIUM];
  struct mallinfo2 before = mallinfo2();
  for (int i = 0; i < SMALL; i++) small[i] = malloc(100 + i % 200);
  for (int i = 0; i < MEDIUM; i++) medium[i] = malloc(40000 + i * 1000);
  for (int i = 0; i < SMALL; i++) if (small[i]) memset(small[i], 1, 100);
  struct mallinfo2 live = mallinfo2();
  size_t asked = 0;
  for (int i = 0; i < SMALL; i++) asked += 100 + i % 200;
  for (int i = 0; i < MEDIUM; i++) asked += 40000 + i * 1000;
  printf("live: uordblks %zu (asked %zu more than before: %zu)\n", live.uordblks, asked, before.uordblks);
  if (live.uordblks < before.uordblks + asked) return 3;
  for (int i = 0; i < SMALL; i++) free(small[i]);
  for (int i = 0; i < MEDIUM; i++) free(medium[i]);
  struct mallinfo2 after = mallinfo2();
  printf("freed: uordblks %zu, fordblks %zu, arena %zu\n", after.uordblks, after.fordblks, after.arena);
  /* printf's buffer (4 KiB) and its like may stay: a little over the first figure */
  if (after.uordblks > before.uordblks + 16384) return 4;
  if (after.fordblks < asked) return 5;   /* the quarantined slots are free bytes of arena */
  if (after.arena != after.uordblks + after.fordblks) return 6;
  return 0;
}

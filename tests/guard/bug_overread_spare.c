// env: HEAPGUARD_GUARD_ALIGN=1 HEAPGUARD_QUARANTINE=16K
// expect-error: heap-buffer-overflow
// expect-text: ERROR: heap-buffer-overflow: READ past the end of a 100-byte block
// expect-text: at 0x[0-9a-f]+: main \(bug_overread_spare\.c:35\)
// expect-text: ERROR SUMMARY: 1 errors from 1 contexts
/* A one-page slot leaving the quarantine is kept as a spare for the next one-page block
   (guard.c): a block in a reused slot must start zeroed from calloc, keep no old bytes
   visible through its guard page, and end flush against a guard page that still faults.
   The quarantine is small (two slots), so most of these blocks get spares. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROUNDS 200

int main(void) {
  for (int i = 0; i < ROUNDS; i++) {
    char *p = malloc(100);
    if (!p) return 2;
    memset(p, 0x5a, 100);
    free(p);
  }
  char *q;
  for (int i = 0; i < ROUNDS; i++) {
    q = calloc(1, 100);
    if (!q) return 2;
    for (int j = 0; j < 100; j++)
      if (q[j]) return 3;   /* a spare's old bytes showed through calloc */
    memset(q, 0x5a, 100);
    free(q);
  }
  q = malloc(100);
  if (!q) return 2;
  memset(q, 1, 100);
  volatile char c = q[100];                 /* BUG */
  printf("never printed %d\n", c);
  return 0;
}

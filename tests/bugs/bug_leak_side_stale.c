// expect-error: memory-leak
// expect-text: definitely lost: 800 bytes in 20 blocks
/* Blocks another thread leaked, whose addresses its allocation calls left on its side
   stack (src/wipe.h: the calls' frames, the registers they saved).  The thread then
   waits outside the allocator while the program exits: the leak scan reads no part of
   a side stack that no call is using (leak.c), so those stale copies keep no block
   "still reachable".  (The thread's own stack, scanned whole, holds no copy: the
   frames that had one are overwritten before it waits.) */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile int ready;

static __attribute__((noinline)) void leak_one(int i) {
  char *p = malloc(40);
  memset(p, i, 40);
  if (malloc_usable_size(p) < 40) abort();
}

static __attribute__((noinline)) void overwrite(void) {
  volatile char area[16384];
  for (size_t i = 0; i < sizeof area; i++) area[i] = 0;
}

static void *thread(void *arg) {
  (void)arg;
  for (int i = 0; i < 20; i++) leak_one(i);
  overwrite();
  ready = 1;
  for (;;) pause();
  return NULL;
}

int main(void) {
  pthread_t t;
  if (pthread_create(&t, NULL, thread, NULL) != 0) return 2;
  while (!ready) usleep(1000);
  return 0;
}

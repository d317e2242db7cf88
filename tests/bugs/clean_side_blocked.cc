// expect-clean
/* A thread blocked inside the allocator at exit: its new_handler, run by operator new
   on the thread's side stack (src/wipe.h), holds a block in its own frame (there, or in
   a register its signal frame saves there when the leak scan stops it) and waits.  The
   leak scan reads the part of a side stack a stopped thread is using (leak.c): the
   block is reachable, not "definitely lost". */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <new>

static volatile int ready;

static void holding_handler() {
  void *volatile held = malloc(48);
  memset(held, 1, 48);
  ready = 1;
  for (;;) pause();
}

static void *thread(void *) {
  std::set_new_handler(holding_handler);
  char *p = new char[(size_t)1 << 62];
  p[0] = 1;
  return NULL;
}

int main() {
  pthread_t t;
  if (pthread_create(&t, NULL, thread, NULL) != 0) return 2;
  while (!ready) usleep(1000);
  puts("ok");
  return 0;
}

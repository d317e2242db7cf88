// expect-clean
/* The stubs in front of heapguard's stats and verify calls (wipe.h's deep stubs) zero
   up to 8 KiB below the program's stack pointer once the call returned, but never past
   the stack the call ran on.  mallinfo2() is called (a) from a signal handler on an
   alternate stack with about 6 KiB left below the handler's frame, the stack placed at
   the top of a larger buffer, and (b) from a thread of a stack the program gave it
   (pthread_attr_setstack), about 7 KiB above its floor: the call itself needs about
   4.5 KiB, and every byte below each stack must keep the pattern written there first.
   Before the wipe asked for the room it had, it zeroed 1-2 KiB of them: the program's
   memory (an alternate stack is often a malloc'd block), or a fault at a thread stack's
   guard page. */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#define ROOM 7168          /* bytes left below the thread's caller: more than the call needs */
#define ALT_ROOM 6144      /* the same on the alternate stack, below the kernel's frame */
#define BELOW 16384        /* patterned bytes below each stack */
#define PATTERN 0x5a

static unsigned char alt_area[BELOW + 64 * 1024] __attribute__((aligned(64)));
static unsigned char thread_area[BELOW + 256 * 1024] __attribute__((aligned(4096)));
static volatile size_t seen;

static void handler(int sig) {
  (void)sig;
  seen += mallinfo2().arena;
}

static size_t spoiled(const unsigned char *area) {
  size_t n = 0;
  for (size_t i = 0; i < BELOW; i++) n += area[i] != PATTERN;
  return n;
}

/* Called with about ROOM bytes of the thread's stack left below its frame. */
static __attribute__((noinline)) void stats_at_floor(void) {
  seen += mallinfo2().arena;
  __asm__ volatile("" ::: "memory");
}

static void *near_floor(void *arg) {
  uintptr_t floor = (uintptr_t)arg, sp = (uintptr_t)__builtin_frame_address(0);
  size_t use = sp - floor - ROOM;
  volatile char *pad = __builtin_alloca(use);
  pad[0] = 0;
  stats_at_floor();
  __asm__ volatile("" : : "r"(pad) : "memory");
  return NULL;
}

int main(void) {
  void *keep = malloc(100);   /* something for the stats to count */
  int bad = 0;

  /* (a) alternate signal stack: the kernel's frame (about AT_MINSIGSTKSZ) above, ALT_ROOM below */
  size_t minsig = getauxval(AT_MINSIGSTKSZ);
  if (minsig < 2048) minsig = 2048;
  size_t alt = (minsig + ALT_ROOM + 63) & ~(size_t)63;
  memset(alt_area, PATTERN, sizeof alt_area);
  stack_t ss = { .ss_sp = alt_area + BELOW, .ss_size = alt, .ss_flags = 0 };
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = SA_ONSTACK;
  if (sigaltstack(&ss, NULL) != 0 || sigaction(SIGUSR1, &sa, NULL) != 0) return 2;
  raise(SIGUSR1);
  ss.ss_flags = SS_DISABLE;
  sigaltstack(&ss, NULL);
  size_t n = spoiled(alt_area);
  if (n) fprintf(stderr, "alternate stack: %zu bytes below it written\n", n), bad = 1;

  /* (b) a thread's own stack, the pattern below its floor */
  memset(thread_area, PATTERN, sizeof thread_area);
  pthread_attr_t attr;
  pthread_t t;
  pthread_attr_init(&attr);
  if (pthread_attr_setstack(&attr, thread_area + BELOW, sizeof thread_area - BELOW) != 0) return 2;
  if (pthread_create(&t, &attr, near_floor, thread_area + BELOW) != 0) return 2;
  pthread_join(t, NULL);
  pthread_attr_destroy(&attr);
  n = spoiled(thread_area);
  if (n) fprintf(stderr, "thread stack: %zu bytes below its floor written\n", n), bad = 1;

  free(keep);
  return bad || !seen;
}

// expect-clean
/* Signal handlers that run while check mode's call is on its side stack (src/wipe.h):
   the kernel puts the handler's frame on the side stack below the interrupted call's
   frames, and the handler's own allocation calls run there without switching again
   (hg_side_here), never over the frames or the record of the call it interrupted.
   (1) A timer every 50 us while the program allocates and frees: a handler with 8 KiB
   of frames of its own (and a signal frame of getauxval(AT_MINSIGSTKSZ): 3.4 KiB with
   AVX-512) interrupting the allocator's calls.  (2) A new_handler, run by operator new
   on the side stack, raises a signal whose handler allocates, moves and frees blocks;
   the new_handler then allocates too, and its own frame's bytes must be as it left
   them.  (3) The same with the handler on an alternate signal stack sized from
   AT_MINSIGSTKSZ, where its calls run, and zero no more than that stack holds. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>

#include <new>

static volatile sig_atomic_t ticks, handled, bad;

static void on_tick(int) {
  volatile unsigned char deep[8192];
  for (size_t i = 0; i < sizeof deep; i += 64) deep[i] = (unsigned char)i;
  ticks++;
}

static void on_usr1(int) {
  for (int k = 0; k < 20; k++) {
    size_t n = 16 + 50 * (size_t)k;
    unsigned char *p = (unsigned char *)malloc(n);
    if (!p) {
      bad = 1;
      return;
    }
    memset(p, 0x5a, n);
    p = (unsigned char *)realloc(p, n + 32);
    for (size_t i = 0; p && i < n; i++)
      if (p[i] != 0x5a) bad = 1;
    free(p);
  }
  handled++;
}

static int turns;
static void raising_handler() {
  unsigned char mine[512];
  memset(mine, 0xc3, sizeof mine);
  raise(SIGUSR1);
  void *q = malloc(100);
  memset(q, 1, 100);
  free(q);
  for (size_t i = 0; i < sizeof mine; i++)
    if (mine[i] != 0xc3) bad = 1;
  if (++turns == 3) std::set_new_handler(nullptr);
}

static int raising(const char *what) {
  turns = 0;
  handled = 0;
  std::set_new_handler(raising_handler);
  char *p = new (std::nothrow) char[(size_t)1 << 62];
  if (p || turns != 3 || handled != 3 || bad) {
    fprintf(stderr, "%s: turns %d, handled %d, bad %d\n", what, turns, (int)handled, (int)bad);
    return 1;
  }
  return 0;
}

int main() {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_tick;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  if (sigaction(SIGALRM, &sa, NULL) != 0) return 2;
  struct itimerval it = { { 0, 50 }, { 0, 50 } };
  setitimer(ITIMER_REAL, &it, NULL);
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  unsigned long rounds = 0;
  do {
    for (int k = 0; k < 100; k++, rounds++) {
      size_t n = 8 + rounds % 1000;
      unsigned char *p = (unsigned char *)malloc(n);
      memset(p, (int)(rounds & 0xff), n);
      p = (unsigned char *)realloc(p, n * 2);
      for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(rounds & 0xff)) bad = 1;
      free(p);
    }
    clock_gettime(CLOCK_MONOTONIC, &t);
  } while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < 0.3);
  struct itimerval off = { { 0, 0 }, { 0, 0 } };
  setitimer(ITIMER_REAL, &off, NULL);
  if (bad || !ticks) {
    fprintf(stderr, "timer: bad %d, ticks %d\n", (int)bad, (int)ticks);
    return 1;
  }

  sa.sa_handler = on_usr1;
  if (sigaction(SIGUSR1, &sa, NULL) != 0) return 2;
  if (raising("on the side stack")) return 1;

  size_t min = getauxval(AT_MINSIGSTKSZ);
  if (min < MINSIGSTKSZ) min = MINSIGSTKSZ;
  size_t size = min + 32768;   /* the handler's frames and a check-mode call's */
  void *alt = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (alt == MAP_FAILED) return 2;
  stack_t ss;
  ss.ss_sp = alt;
  ss.ss_size = size;
  ss.ss_flags = 0;
  if (sigaltstack(&ss, NULL) != 0) return 2;
  sa.sa_flags = SA_RESTART | SA_ONSTACK;
  if (sigaction(SIGUSR1, &sa, NULL) != 0) return 2;
  if (raising("on an alternate stack")) return 1;
  puts("ok");
  return 0;
}

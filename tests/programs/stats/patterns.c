/* patterns.c — known allocation patterns for tests/programs/stats.sh.  Run preloaded
 * with HEAPGUARD_STATS=json: each scenario prints snapshots (hg_stats_print, a
 * "snapshot" object) around its pattern, the library prints the "final" one at exit,
 * and check.py compares the differences with what the pattern must give.  Nothing
 * between two snapshots allocates except the pattern (no stdio: write(2) only).
 *
 * usage: patterns SCENARIO   (small, kinds, waste, frag, threads, info, fork, signal,
 *                             timeline, big) */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void hg_stats_print(void) __attribute__((weak));

static void snap(void) {
  if (hg_stats_print) hg_stats_print();
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0) write(1, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void *keep[20000];

/* 1000 x malloc(24): requested 24000 in the 32-byte class (waste 8000); then free them. */
static int small(void) {
  snap();
  for (int i = 0; i < 1000; i++) keep[i] = malloc(24);
  snap();
  for (int i = 0; i < 1000; i++) free(keep[i]);
  snap();
  return 0;
}

/* Each kind of block and entry point, one snapshot after each step. */
static int kinds(void) {
  snap();
  keep[0] = malloc(100000);                     /* medium: 25 pages */
  snap();
  keep[1] = malloc(300000);                     /* large: a mapping of 74 pages */
  snap();
  for (int i = 0; i < 10; i++) keep[2 + i] = malloc(0);   /* 10 blocks of the 16-byte class, 0 requested */
  snap();
  keep[12] = calloc(10, 10);                    /* 100 bytes in the 112-byte class */
  snap();
  if (posix_memalign(&keep[13], 64, 40) != 0) return 1;   /* 40 bytes in the 64-byte class */
  snap();
  keep[14] = malloc(100);                       /* 112-byte class */
  keep[14] = realloc(keep[14], 60);             /* stays in place: requested 60 */
  snap();
  keep[15] = malloc(1000);
  keep[15] = realloc(keep[15], 5000);           /* moves: one block more allocated, one freed */
  snap();
  keep[0] = realloc(keep[0], 150000);           /* medium grows (in place or not): requested 150000 */
  snap();
  for (int i = 0; i < 16; i++) free(keep[i]);
  snap();
  return 0;
}

/* Random sizes above 128 bytes: waste must stay under 1/9 of in use (the design). */
static int waste(void) {
  uint64_t x = 42;
  snap();
  for (int i = 0; i < 5000; i++) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    keep[i] = malloc(129 + (size_t)(x >> 33) % (32768 - 129));
  }
  snap();
  return 0;
}

/* The seed's fragmentation challenge: 1000 x 1 KiB, free the even ones, then 500 KB. */
static int frag(void) {
  for (int i = 0; i < 1000; i++) memset(keep[i] = malloc(1024), i, 1024);
  snap();
  for (int i = 0; i < 1000; i += 2) free(keep[i]);
  snap();
  char *big = malloc(500 * 1000);
  memset(big, 7, 500 * 1000);
  snap();
  say("big %lu lo %lu hi %lu\n", (unsigned long)(uintptr_t)big, (unsigned long)(uintptr_t)keep[1],
      (unsigned long)(uintptr_t)keep[999]);
  return 0;
}

/* Threads: each allocates 1000 x malloc(40) (48-byte class); then each frees half of
 * its neighbour's blocks (remote frees). */
#define NT 4
static pthread_barrier_t bar;
static void *thread_main(void *arg) {
  long t = (long)arg;
  pthread_barrier_wait(&bar);   /* main has taken its baseline */
  for (int i = 0; i < 1000; i++) keep[t * 1000 + i] = malloc(40);
  pthread_barrier_wait(&bar);   /* main snapshots */
  pthread_barrier_wait(&bar);
  long n = (t + 1) % NT;
  for (int i = 0; i < 1000; i += 2) free(keep[n * 1000 + i]);
  pthread_barrier_wait(&bar);   /* main snapshots */
  pthread_barrier_wait(&bar);
  return NULL;
}
static int threads(void) {
  pthread_t th[NT];
  pthread_barrier_init(&bar, NULL, NT + 1);
  for (long t = 0; t < NT; t++) pthread_create(&th[t], NULL, thread_main, (void *)t);
  snap();   /* baseline, the threads started */
  pthread_barrier_wait(&bar);
  pthread_barrier_wait(&bar);
  snap();
  pthread_barrier_wait(&bar);
  pthread_barrier_wait(&bar);
  snap();
  pthread_barrier_wait(&bar);
  for (int t = 0; t < NT; t++) pthread_join(th[t], NULL);
  return 0;
}

/* mallinfo2, malloc_stats and malloc_info against the stats, with nothing allocated
 * in between (the FILE and its buffer exist beforehand). */
static int info(void) {
  static char fbuf[8192];
  for (int i = 0; i < 300; i++) keep[i] = malloc((size_t)(i * 37) % 3000 + 1);
  keep[300] = malloc(200000);
  keep[301] = malloc(60000);
  for (int i = 0; i < 300; i += 3) free(keep[i]);
  FILE *f = fopen("info.xml", "w");
  if (!f) return 1;
  setvbuf(f, fbuf, _IOFBF, sizeof fbuf);
  snap();
  struct mallinfo2 m = mallinfo2();
  malloc_stats();
  malloc_info(0, f);
  fclose(f);
  say("mallinfo2 arena %zu ordblks %zu smblks %zu hblks %zu hblkhd %zu uordblks %zu fordblks %zu fsmblks %zu keepcost %zu\n",
      m.arena, m.ordblks, m.smblks, m.hblks, m.hblkhd, m.uordblks, m.fordblks, m.fsmblks, m.keepcost);
  return 0;
}

/* fork: the child allocates 100 x malloc(24) more and exits normally. */
static int forked(void) {
  for (int i = 0; i < 500; i++) keep[i] = malloc(24);
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    for (int i = 0; i < 100; i++) keep[500 + i] = malloc(24);
    exit(0);
  }
  int st;
  waitpid(pid, &st, 0);
  keep[700] = malloc(24);
  return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

/* The stats signal: raised by the program itself (the handler prints at once), then
 * sent from outside while allocating (argv: how long to run, ms, and "raise" to raise SIGUSR1 first). */
static int signalled(int ms, bool own) {
  for (int i = 0; i < 100; i++) keep[i] = malloc(24);
  if (own) raise(SIGUSR1);
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  say("ready\n");
  for (unsigned long k = 0;; k++) {
    void *p = malloc(16 + k % 500);
    free(p);
    clock_gettime(CLOCK_MONOTONIC, &t);
    if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > ms) break;
  }
  return 0;
}

/* For the timeline: grow and shrink over about 150 ms. */
static int timeline(void) {
  struct timespec ts = { 0, 3 * 1000 * 1000 };
  for (int r = 0; r < 50; r++) {
    for (int i = 0; i < 400; i++) keep[r * 400 + i] = malloc(16 + (size_t)(i * r) % 2000);
    if (r % 10 == 9) for (int i = 0; i < r * 400; i += 2) { free(keep[i]); keep[i] = NULL; }
    nanosleep(&ts, NULL);
  }
  return 0;
}

/* big (run in check mode): a live 40 MiB block, in a mapping of its own there
 * (hg_region_alloc_mapped), in one snapshot. */
static int big(void) {
  char *volatile p = malloc(40 << 20);
  if (!p) return 1;
  memset(p, 1, 4096);
  snap();
  free(p);
  return 0;
}

int main(int argc, char **argv) {
  const char *s = argc > 1 ? argv[1] : "";
  if (!strcmp(s, "small")) return small();
  if (!strcmp(s, "kinds")) return kinds();
  if (!strcmp(s, "waste")) return waste();
  if (!strcmp(s, "frag")) return frag();
  if (!strcmp(s, "threads")) return threads();
  if (!strcmp(s, "info")) return info();
  if (!strcmp(s, "fork")) return forked();
  if (!strcmp(s, "signal")) return signalled(argc > 2 ? atoi(argv[2]) : 300, argc > 3);
  if (!strcmp(s, "timeline")) return timeline();
  if (!strcmp(s, "big")) return big();
  say("unknown scenario %s\n", s);
  return 2;
}

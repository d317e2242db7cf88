/* Remote frees that empty whole spans, while the spans' owners idle or allocate
 * (span.h, Claims: such a free gives the span's pages back to the region itself).
 * heapguard-only: it also checks, in forked children, that freeing a block again
 * after its span was emptied by other threads is still reported as a double free
 * (glibc's malloc does not promise to catch these).
 *
 * OWNERS threads each allocate a batch of blocks (16 B..1 KiB, a handful of classes,
 * so that the batch fills whole spans) with "keepers" allocated in between (blocks the
 * owner keeps live across the round, in the same spans), and fill every block with a
 * pattern.  Then FREERS threads free all the batches, each taking every FREERS-th block
 * of every batch, so that several threads free into the same spans at once and race to
 * empty them.  Meanwhile the owners either idle (even rounds: their spans can only go
 * back through the remote frees) or churn (odd rounds: they allocate and free blocks
 * of the same classes, so they collect, refill and take partial spans while the
 * remote frees claim them); the freers also allocate and free blocks of their own, so
 * pages given back are reused at once.  Every block's pattern is checked before it is
 * freed, and every keeper's at the end of the round: a span given back while one of
 * its blocks was live would show as a keeper overwritten (or a crash).
 * Every few idle rounds, once the batches are freed and before anyone allocates again,
 * the main thread forks a child that frees one of the freed blocks again: the child
 * must die by SIGABRT with "double free" on stderr.
 * ROUNDS rounds or MAX_SECONDS, whichever comes first.
 */
// heapguard-only
#include "check.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OWNERS 3
#define FREERS 3
#define BATCH 3000
#define KEEP 64           /* keepers per owner */
#define ROUNDS 400
#define MAX_SECONDS 4.0
#define FORK_EVERY 8      /* idle rounds between double-free checks */

struct blk { unsigned char *p; size_t n; uint64_t tag; };

static struct blk batch[OWNERS][BATCH];
static struct blk keep[OWNERS][KEEP];
static pthread_barrier_t start_round, batches_ready, batches_freed, round_done;
static int round_no, stop;
static double t0;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const size_t sizes[] = { 16, 24, 48, 64, 100, 200, 256, 500, 1000 };
#define NSIZES (sizeof sizes / sizeof sizes[0])

static void make(struct blk *b, size_t n, uint64_t tag) {
  b->p = malloc(n);
  b->n = n;
  b->tag = tag;
  if (!b->p) {
    CHECKF(0, "malloc(%zu) failed", n);
    abort();
  }
  __builtin_memcpy(b->p, &tag, 8);
  hg_fill(b->p + 8, n - 8, tag);
}

static int intact(const struct blk *b) {
  uint64_t first;
  __builtin_memcpy(&first, b->p, 8);
  if (!CHECKF(first == b->tag, "block %p (%zu bytes, tag %#llx) holds tag %#llx", (void *)b->p, b->n,
              (unsigned long long)b->tag, (unsigned long long)first))
    return 0;
  size_t bad = hg_verify(b->p + 8, b->n - 8, b->tag);
  return CHECKF(bad == (size_t)-1, "block %p (%zu bytes, tag %#llx) changed at offset %zu", (void *)b->p,
                b->n, (unsigned long long)b->tag, bad + 8);
}

/* churn: allocate and free blocks of the batch's sizes (up to RING live), checking
 * each; with own set, also free the owner's share of its batch (every fourth block) */
#define RING 512
static void churn(hg_rng *r, uint64_t tagbase, int n, struct blk *own) {
  static __thread struct blk ring[RING];
  int next_own = 0;
  for (int i = 0; i < n; i++) {
    struct blk *b = &ring[hg_next(r) % RING];
    if (b->p) {
      intact(b);
      free(b->p);
    }
    make(b, sizes[hg_next(r) % NSIZES], tagbase + (uint64_t)i);
    if (own && i % 5 == 0 && next_own < BATCH) {
      intact(&own[next_own]);
      free(own[next_own].p);
      next_own += 4;
    }
  }
  for (; own && next_own < BATCH; next_own += 4) {
    intact(&own[next_own]);
    free(own[next_own].p);
  }
  for (int i = 0; i < RING; i++)
    if (ring[i].p) {
      intact(&ring[i]);
      free(ring[i].p);
      ring[i].p = NULL;
    }
}

static void *owner(void *arg) {
  int id = (int)(intptr_t)arg;
  hg_rng r = { 0x5eed0000u + (uint64_t)id };
  for (int k = 0; k < KEEP; k++) make(&keep[id][k], sizes[k % NSIZES], (uint64_t)(id + 1) << 56 | 0xfff00000u | (uint64_t)k);
  for (;;) {
    pthread_barrier_wait(&start_round);
    if (__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) break;
    int rnd = round_no;
    uint64_t base = (uint64_t)(id + 1) << 56 | (uint64_t)rnd << 24;
    for (int i = 0; i < BATCH; i++) {
      /* a keeper replaced now and then, in between the batch's blocks */
      if (i % (BATCH / 16) == 0) {
        struct blk *k = &keep[id][hg_next(&r) % KEEP];
        intact(k);
        free(k->p);
        make(k, sizes[hg_next(&r) % NSIZES], base | 0x800000u | (uint64_t)i);
      }
      make(&batch[id][i], sizes[(i / 7 + (size_t)id) % NSIZES], base | (uint64_t)i);
    }
    pthread_barrier_wait(&batches_ready);
    if (rnd % 2) churn(&r, base | 0x400000u, 4000, batch[id]);   /* odd rounds: busy while the freers free */
    pthread_barrier_wait(&batches_freed);
    for (int k = 0; k < KEEP; k++) intact(&keep[id][k]);
    pthread_barrier_wait(&round_done);
  }
  for (int k = 0; k < KEEP; k++) {
    intact(&keep[id][k]);
    free(keep[id][k].p);
  }
  return NULL;
}

static void *freer(void *arg) {
  int id = (int)(intptr_t)arg;
  hg_rng r = { 0xf4ee0000u + (uint64_t)id };
  for (;;) {
    pthread_barrier_wait(&start_round);
    if (__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) break;
    int rnd = round_no;
    pthread_barrier_wait(&batches_ready);
    /* owners interleaved, so that each freer's frees hit every owner's spans */
    for (int i = id; i < BATCH; i += FREERS)
      for (int o = 0; o < OWNERS; o++) {
        if (rnd % 2 && i % 4 == 0) continue;   /* odd rounds: the owner frees these */
        intact(&batch[o][i]);
        free(batch[o][i].p);
      }
    if (rnd % 2) churn(&r, (uint64_t)(OWNERS + 1 + id) << 56 | (uint64_t)rnd << 24, 2000, NULL);
    pthread_barrier_wait(&batches_freed);
    pthread_barrier_wait(&round_done);
  }
  return NULL;
}

/* In a child: free an already freed block; the child must be killed by SIGABRT with
 * "double free" on its stderr. */
static void expect_double_free(const struct blk *b) {
  int fds[2];
  if (pipe(fds) != 0) {
    CHECKF(0, "pipe failed");
    return;
  }
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    CHECKF(0, "fork failed");
    return;
  }
  if (pid == 0) {
    dup2(fds[1], 2);
    close(fds[0]);
    free(hg_opaque(b->p));
    _exit(0);
  }
  close(fds[1]);
  char out[4096];
  size_t len = 0;
  ssize_t got;
  while (len < sizeof out - 1 && (got = read(fds[0], out + len, sizeof out - 1 - len)) > 0) len += (size_t)got;
  out[len] = 0;
  close(fds[0]);
  int st;
  while (waitpid(pid, &st, 0) < 0) {
  }
  CHECKF(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "freeing %p (%zu bytes) again: the child was not killed by "
         "SIGABRT (status %#x); its stderr: %s", (void *)b->p, b->n, st, out);
  CHECKF(strstr(out, "double free") != NULL, "freeing %p again: no \"double free\" report; stderr: %s",
         (void *)b->p, out);
}

int main(void) {
  pthread_t th[OWNERS + FREERS];
  unsigned n = OWNERS + FREERS + 1;
  pthread_barrier_init(&start_round, NULL, n);
  pthread_barrier_init(&batches_ready, NULL, n);
  pthread_barrier_init(&batches_freed, NULL, n);
  pthread_barrier_init(&round_done, NULL, n);
  for (int i = 0; i < OWNERS; i++)
    if (pthread_create(&th[i], NULL, owner, (void *)(intptr_t)i)) check_skip("pthread_create failed");
  for (int i = 0; i < FREERS; i++)
    if (pthread_create(&th[OWNERS + i], NULL, freer, (void *)(intptr_t)i)) check_skip("pthread_create failed");
  t0 = now();
  hg_rng r = { 0xd0b1e };
  int rounds = 0, forks = 0;
  for (; rounds < ROUNDS && now() - t0 < MAX_SECONDS; rounds++) {
    round_no = rounds;
    pthread_barrier_wait(&start_round);
    pthread_barrier_wait(&batches_ready);
    pthread_barrier_wait(&batches_freed);
    /* Idle rounds: nothing was allocated since the batches were freed, so their pages
     * are still in their spans or in free runs (not yet reused). */
    if (rounds % 2 == 0 && (rounds / 2) % FORK_EVERY == 0) {
      expect_double_free(&batch[hg_next(&r) % OWNERS][hg_next(&r) % BATCH]);
      forks++;
    }
    pthread_barrier_wait(&round_done);
  }
  __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
  pthread_barrier_wait(&start_round);
  for (int i = 0; i < OWNERS + FREERS; i++) pthread_join(th[i], NULL);
  fprintf(stderr, "%d rounds, %d double-free checks, %.2f s\n", rounds, forks, now() - t0);
  CHECK(rounds >= 10);
  return check_finish();
}

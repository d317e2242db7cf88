// expect-clean
/* Clean: check mode's stack captures on small stacks.  A capture that walks with
 * libunwind then wipes the stack below it (stack.c, scrub_deep), which must stay within
 * the stack in use: threads with stacks of PTHREAD_STACK_MIN (16 KiB, their TLS taken
 * out of it) died by SIGSEGV in check, guard and sampled guard modes when it wiped 12
 * KiB below a thread's frame; a signal handler on an alternate stack, and a coroutine
 * (swapcontext) on a stack of its own, both inside a malloc'd buffer, had the buffer's
 * bytes below their stack zeroed.  Each stack here sits in the middle of a buffer
 * filled with a pattern, which must be intact afterwards.  (tests/guard/ includes this
 * file: guard mode and sampled guard mode.) */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#define THREADS 8
#define BUF (64 * 1024)
#define STACK_AT (32 * 1024)   /* the borrowed stacks: [STACK_AT, STACK_AT + STACK_LEN) */
#define STACK_LEN (12 * 1024)

static int failures;

/* Calls through frames the walk has not met yet, so that libunwind steps (and the
 * stack below is wiped). */
static __attribute__((noinline)) void *chain(int depth, size_t n) {
  void *p = depth ? chain(depth - 1, n + 16) : malloc(n);
  __asm__ volatile("" : : "r"(p) : "memory");
  return p;
}

static void *small_thread(void *arg) {
  long id = (long)arg;
  for (int i = 0; i < 200; i++) {
    char *p = chain(i % 7, (size_t)(i * 37 % 3000) + 1);
    if (!p) return (void *)1;
    p[0] = (char)id;
    char *q = realloc(p, 5000);
    if (!q) return (void *)1;
    free(q);
  }
  return NULL;
}

static unsigned char *alt_buf, *co_buf;

static int intact_below(const unsigned char *buf, const char *what) {
  for (size_t i = 0; i < STACK_AT; i++)
    if (buf[i] != 0xa5) {
      fprintf(stderr, "%s: byte %zu of the buffer below the stack changed (0x%02x)\n", what, i, buf[i]);
      failures++;
      return 0;
    }
  return 1;
}

static void on_usr1(int sig) {
  (void)sig;
  free(chain(5, 100));
  free(chain(3, 300));
}

static ucontext_t main_ctx, co_ctx;

static void coroutine(void) {
  free(chain(6, 200));
  free(chain(2, 2000));
}

int main(void) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN);
  pthread_t t[THREADS];
  for (long i = 0; i < THREADS; i++)
    if (pthread_create(&t[i], &attr, small_thread, (void *)i) != 0) {
      fprintf(stderr, "pthread_create failed\n");
      return 2;
    }
  for (int i = 0; i < THREADS; i++) {
    void *r;
    pthread_join(t[i], &r);
    if (r) failures++;
  }

  alt_buf = malloc(BUF);
  co_buf = malloc(BUF);
  if (!alt_buf || !co_buf) return 2;
  memset(alt_buf, 0xa5, BUF);
  memset(co_buf, 0xa5, BUF);

  stack_t ss = { .ss_sp = alt_buf + STACK_AT, .ss_size = STACK_LEN, .ss_flags = 0 };
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_ONSTACK;
  if (sigaltstack(&ss, NULL) != 0 || sigaction(SIGUSR1, &sa, NULL) != 0) return 2;
  raise(SIGUSR1);
  ss.ss_flags = SS_DISABLE;
  sigaltstack(&ss, NULL);
  intact_below(alt_buf, "alternate signal stack");

  getcontext(&co_ctx);
  co_ctx.uc_stack.ss_sp = co_buf + STACK_AT;
  co_ctx.uc_stack.ss_size = STACK_LEN;
  co_ctx.uc_link = &main_ctx;
  makecontext(&co_ctx, coroutine, 0);
  swapcontext(&main_ctx, &co_ctx);
  intact_below(co_buf, "coroutine stack");

  free(alt_buf);
  free(co_buf);
  if (failures) fprintf(stderr, "%d failures\n", failures);
  return failures ? 1 : 0;
}

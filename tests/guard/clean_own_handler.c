// expect-clean
// sampled: 0
/* A program with its own SIGSEGV handler keeps working under guard mode: it touches a
   PROT_NONE page of its own and recovers with siglongjmp, several times; sigaction()
   and signal() report its handler back; SA_RESETHAND is honoured. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static sigjmp_buf env;
static volatile void *fault_addr;
static volatile int calls;

static void on_segv(int sig, siginfo_t *si, void *ctx) {
  (void)sig; (void)ctx;
  fault_addr = si->si_addr;
  calls++;
  siglongjmp(env, 1);
}

int main(void) {
  char *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) return 2;
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGSEGV, &sa, NULL) != 0) return 3;
  for (int i = 0; i < 3; i++) {
    char *blocks = malloc(64);           /* the heap works meanwhile */
    if (sigsetjmp(env, 1) == 0) {
      volatile char c = page[100 + i];   /* the program's own fault */
      (void)c;
      return 4;
    }
    if (fault_addr != page + 100 + i) return 5;
    free(blocks);
  }
  if (calls != 3) return 6;
  if (sigaction(SIGSEGV, NULL, &old) != 0 || old.sa_sigaction != on_segv || !(old.sa_flags & SA_SIGINFO))
    return 7;
  /* SA_RESETHAND: the handler runs once, then the action is the default again. */
  sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
  sigaction(SIGSEGV, &sa, NULL);
  if (sigsetjmp(env, 1) == 0) {
    volatile char c = page[7];
    (void)c;
    return 8;
  }
  if (sigaction(SIGSEGV, NULL, &old) != 0 || old.sa_handler != SIG_DFL) return 9;
  /* signal() returns the previous handler. */
  if (signal(SIGSEGV, SIG_IGN) != SIG_DFL || signal(SIGSEGV, SIG_DFL) != SIG_IGN) return 10;
  /* A SIGSEGV sent by kill() to a program ignoring it is ignored. */
  signal(SIGSEGV, SIG_IGN);
  raise(SIGSEGV);
  signal(SIGSEGV, SIG_DFL);
  puts("recovered");
  return 0;
}

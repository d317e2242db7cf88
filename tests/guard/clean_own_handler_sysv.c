// expect-clean
// sampled: 0
/* A program's own SIGSEGV handler installed by sysv_signal, ssignal and __sysv_signal
   (what signal() is in code compiled for strict X/Open) keeps working under guard mode,
   with their semantics: each returns the previous handler; sysv_signal's is reset to
   the default at its first signal (SA_RESETHAND). */
#define _GNU_SOURCE
#include <stdio.h>
#include "../common/own_handler.h"

extern sighandler_t __sysv_signal(int sig, sighandler_t handler);

static void jump_back(int sig) {
  (void)sig;
  calls++;
  siglongjmp(env, 1);
}

int main(void) {
  struct sigaction sa, old;
  char *page = own_fault_page(&sa);     /* ../common/own_handler.h */
  sighandler_t prev = sysv_signal(SIGSEGV, jump_back);
  if (prev != (sighandler_t)(void *)on_segv) return 4;
  char *block = malloc(64);             /* the heap works meanwhile */
  if (sigsetjmp(env, 1) == 0) {
    volatile char c = page[10];         /* the program's own fault */
    (void)c;
    return 5;
  }
  free(block);
  if (calls != 1) return 6;
  if (sigaction(SIGSEGV, NULL, &old) != 0 || old.sa_handler != SIG_DFL) return 7;   /* reset */
  if (ssignal(SIGSEGV, jump_back) != SIG_DFL || __sysv_signal(SIGSEGV, SIG_DFL) != jump_back) return 8;
  if (sigsetjmp(env, 1) == 0) {
    ssignal(SIGSEGV, jump_back);        /* BSD: stays after the signal */
    volatile char c = page[20];
    (void)c;
    return 9;
  }
  if (calls != 2 || signal(SIGSEGV, SIG_DFL) != jump_back) return 10;
  puts("recovered");
  return 0;
}

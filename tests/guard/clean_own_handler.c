// expect-clean
// sampled: 0
/* A program with its own SIGSEGV handler keeps working under guard mode: it touches a
   PROT_NONE page of its own and recovers with siglongjmp, several times; sigaction()
   and signal() report its handler back; SA_RESETHAND is honoured. */
#include <stdio.h>
#include "../common/own_handler.h"

int main(void) {
  struct sigaction sa, old;
  char *page = own_fault_page(&sa);    /* on_segv installed: ../common/own_handler.h */
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

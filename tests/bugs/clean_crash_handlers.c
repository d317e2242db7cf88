// expect-clean
/* Clean: check mode's handler for SIGABRT, SIGFPE and SIGILL (the crash report) leaves
   the program's own handling of them as it was: handlers that recover with siglongjmp
   from abort() and from a division by zero, SA_RESETHAND (the action read back is then
   SIG_DFL), SIG_IGN for a raised SIGABRT, sigaction() returning what the program set,
   and signal()'s previous handler.  No crash report: the program's action is not the
   default one. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sigjmp_buf env;
static volatile int aborts, fpes, ills;

static void on_abrt(int sig) { (void)sig; aborts++; siglongjmp(env, 1); }
static void on_fpe(int sig, siginfo_t *si, void *ctx) {
  (void)sig; (void)ctx;
  if (si->si_code == FPE_INTDIV) fpes++;
  siglongjmp(env, 1);
}
static void on_ill(int sig) { (void)sig; ills++; siglongjmp(env, 1); }

int main(void) {
  char *kept = malloc(32);
  strcpy(kept, "kept");
  /* abort() with a handler that jumps out of it, three times. */
  if (signal(SIGABRT, on_abrt) != SIG_DFL) return 2;
  for (int i = 0; i < 3; i++)
    if (sigsetjmp(env, 1) == 0) abort();
  if (aborts != 3) return 3;
  struct sigaction sa, old;
  if (sigaction(SIGABRT, NULL, &old) != 0 || old.sa_handler != on_abrt) return 4;
  /* A division by zero, SA_SIGINFO | SA_RESETHAND: the action is SIG_DFL after it. */
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fpe;
  sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGFPE, &sa, &old) != 0 || old.sa_handler != SIG_DFL) return 5;
  volatile int zero = 0;
  if (sigsetjmp(env, 1) == 0) printf("%d\n", 10 / zero);
  if (fpes != 1) return 6;
  if (sigaction(SIGFPE, NULL, &old) != 0 || old.sa_handler != SIG_DFL) return 7;
  /* __builtin_trap(): SIGILL, handled. */
  signal(SIGILL, on_ill);
  if (sigsetjmp(env, 1) == 0) __builtin_trap();
  if (ills != 1) return 8;
  /* SIGABRT ignored: raise() returns. */
  if (signal(SIGABRT, SIG_IGN) != on_abrt) return 9;
  raise(SIGABRT);
  if (sigaction(SIGABRT, NULL, &old) != 0 || old.sa_handler != SIG_IGN) return 10;
  if (strcmp(kept, "kept") != 0) return 11;
  free(kept);
  return 0;
}

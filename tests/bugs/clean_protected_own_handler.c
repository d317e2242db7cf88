// expect-clean
/* Clean: in check mode the library's SIGSEGV handler is installed (for reads and
   writes of large freed blocks, src/protect.h); a program's own handler keeps
   working: it touches a PROT_NONE page of its own and recovers with siglongjmp,
   several times, while large blocks are freed and quarantined; sigaction() reports
   its handler back. */
#include <setjmp.h>
#include <signal.h>
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
    free(memset(malloc(1 << 20), i, 1 << 20));   /* a protected block in the quarantine */
    if (sigsetjmp(env, 1) == 0) {
      volatile char c = page[100 + i];           /* the program's own fault */
      (void)c;
      return 4;
    }
    if (fault_addr != page + 100 + i) return 5;
  }
  if (calls != 3) return 6;
  if (sigaction(SIGSEGV, NULL, &old) != 0 || old.sa_sigaction != on_segv) return 7;
  return 0;
}

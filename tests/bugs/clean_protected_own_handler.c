// expect-clean
/* Clean: in check mode the library's SIGSEGV handler is installed (for reads and
   writes of large freed blocks, src/protect.h); a program's own handler keeps
   working: it touches a PROT_NONE page of its own and recovers with siglongjmp,
   several times, while large blocks are freed and quarantined; sigaction() reports
   its handler back. */
#include "../common/own_handler.h"

int main(void) {
  struct sigaction sa, old;
  char *page = own_fault_page(&sa);    /* on_segv installed: ../common/own_handler.h */
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

/* A program's own SIGSEGV handler, for the tests that the library's handler (check
   mode's for protected freed blocks, guard mode's for guard pages) leaves it working
   (tests/bugs and tests/guard: clean_*own_handler.c, bug_*own_handler.c).  Included as
   "../common/own_handler.h"; the heap bugs themselves stay in the tests, so that the
   reports' stacks name the tests' own lines. */
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define OWN_HANDLER_UNUSED __attribute__((unused))

/* A handler that recovers: it records the faulting address, counts its calls and
   jumps back to env. */
static sigjmp_buf env OWN_HANDLER_UNUSED;
static volatile void *fault_addr OWN_HANDLER_UNUSED;
static volatile int calls OWN_HANDLER_UNUSED;

static OWN_HANDLER_UNUSED void on_segv(int sig, siginfo_t *si, void *ctx) {
  (void)sig; (void)ctx;
  fault_addr = si->si_addr;
  calls++;
  siglongjmp(env, 1);
}

/* A PROT_NONE page of the program's own to fault on, with on_segv installed for SIGSEGV
   through sa (SA_SIGINFO).  Exits with status 2 if the page cannot be mapped, 3 if the
   handler cannot be installed. */
static OWN_HANDLER_UNUSED char *own_fault_page(struct sigaction *sa) {
  char *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) exit(2);
  memset(sa, 0, sizeof *sa);
  sa->sa_sigaction = on_segv;
  sa->sa_flags = SA_SIGINFO;
  sigemptyset(&sa->sa_mask);
  if (sigaction(SIGSEGV, sa, NULL) != 0) exit(3);
  return page;
}

/* A handler that gives up: it says so on stdout and exits with status 7, which a test
   expecting the library to report the bug (status 99) does not accept. */
static OWN_HANDLER_UNUSED void giving_up(int sig) {
  (void)sig;
  write(1, "program's handler ran\n", 22);
  _exit(7);
}

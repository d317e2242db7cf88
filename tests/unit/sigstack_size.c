/* unit/sigstack_size: the stack a report moves to (sigstack.c) has room for the report
 * and for the frame of a signal arriving during it, on this CPU: the kernel's frame
 * grows with the vector registers it saves (AT_MINSIGSTKSZ: 3376 bytes with AVX-512,
 * more with AMX, SVE or SME), so it is read, not assumed to be x86-64's 2 KiB.
 *
 *  - hg_sigstack_frame() is AT_MINSIGSTKSZ where the kernel gives it, and at least
 *    HG_SIGFRAME_FALLBACK where it does not;
 *  - hg_sigstack_size() holds HG_SIGSTACK_NEED, that frame and the page of zeros;
 *  - fn, on the moved stack, has that room below it: it uses HG_SIGSTACK_NEED bytes,
 *    then takes a signal there, whose handler runs (on a stack a frame short, the
 *    kernel would kill the process with SIGSEGV);
 *  - an alternate stack of exactly HG_SIGSTACK_SMALL bytes is "small" once the frame
 *    of the signal being handled is in it (it was not: the frame was not counted).
 * The stack was a fixed 1 MiB, the frame not counted, and "small" a fixed 256 KiB. */
#define _GNU_SOURCE
#include "check.h"

#include <signal.h>
#include <string.h>
#include <sys/auxv.h>

#include "sigstack.h"

static volatile sig_atomic_t handled;
static void on_usr1(int sig) { (void)sig; handled = 1; }

static volatile uintptr_t fn_sp;
static volatile int fn_ran;

/* On the moved stack: spend HG_SIGSTACK_NEED bytes of it (less what this frame and
 * the call into fill use), then take a signal below them. */
static __attribute__((noinline)) void fill_and_signal(void) {
  size_t n = HG_SIGSTACK_NEED - 4096;
  volatile char *area = __builtin_alloca(n);
  memset((char *)area, 0x5a, n);
  raise(SIGUSR1);
  CHECK(area[0] == 0x5a && area[n - 1] == 0x5a);
}

static void on_moved_stack(void *arg) {
  (void)arg;
  fn_sp = (uintptr_t)__builtin_frame_address(0);
  fill_and_signal();
  fn_ran = 1;
}

static volatile int small_seen = -1;
static void on_usr2(int sig) {
  (void)sig;
  small_seen = hg_sigstack_small();
}

int main(void) {
  size_t aux = getauxval(AT_MINSIGSTKSZ), frame = hg_sigstack_frame(), size = hg_sigstack_size();
  printf("AT_MINSIGSTKSZ %zu, frame %zu, moved stack %zu bytes\n", aux, frame, size);
  if (aux) CHECK(frame == aux);
  else CHECK(frame >= HG_SIGFRAME_FALLBACK);
  CHECK(size % HG_PAGE == 0);
  CHECK(size >= HG_SIGSTACK_NEED + frame + HG_PAGE);

#if defined(__x86_64__)
  struct sigaction sa = { .sa_handler = on_usr1 };
  sigemptyset(&sa.sa_mask);
  CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
  CHECK(hg_sigstack_call(on_moved_stack, NULL));
  CHECK(fn_ran && handled);
  CHECK(fn_sp != 0);
#else
  printf("(not x86-64: hg_sigstack_call does not move the stack here)\n");
  (void)on_moved_stack;
#endif

  /* An alternate stack of exactly HG_SIGSTACK_SMALL: the frame of the signal handled
   * on it leaves less than that, so a report there is a small stack's. */
  static char alt[HG_SIGSTACK_SMALL] __attribute__((aligned(16)));
  stack_t ss = { .ss_sp = alt, .ss_size = sizeof alt };
  struct sigaction sa2 = { .sa_handler = on_usr2, .sa_flags = SA_ONSTACK };
  sigemptyset(&sa2.sa_mask);
  CHECK(sigaltstack(&ss, NULL) == 0 && sigaction(SIGUSR2, &sa2, NULL) == 0);
  raise(SIGUSR2);
  CHECK(small_seen == 1);
  /* and one with room for the frame besides is not */
  static char big[HG_SIGSTACK_SMALL + 256 * 1024] __attribute__((aligned(16)));
  CHECK(frame <= 256 * 1024);
  stack_t bs = { .ss_sp = big, .ss_size = sizeof big };
  CHECK(sigaltstack(&bs, NULL) == 0);
  small_seen = -1;
  raise(SIGUSR2);
  CHECK(small_seen == 0);
  return check_finish();
}

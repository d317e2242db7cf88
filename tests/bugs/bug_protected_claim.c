// expect-error: heap-use-after-free
// expect-text: ERROR: heap-use-after-free: READ of a 1048576-byte block after it was freed
// expect-text: main \(bug_protected_claim\.c:50\)
/* Threads fault at once.  Three prober threads fault again and again on a page the
   program protected itself inside a live heap block, and recover (their own SIGSEGV
   handler, siglongjmp); each such fault is in the heap's pages while a freed block is
   protected, so the library's handler claims the report, looks, finds it is not its
   own and lets go.  Meanwhile main reads the freed, protected block: a real error.
   main's handler used to find the report claimed and sleep for good (the claim was
   let go, but main never looked again): the process hung, with no report.  Now it
   waits for the claim to be let go, and reports. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static __thread sigjmp_buf env;
static volatile int faults;
static char *own;

static void on_segv(int sig) {
  (void)sig;
  faults++;
  siglongjmp(env, 1);
}

static void *prober(void *arg) {
  (void)arg;
  for (int i = 0; i < 20000; i++)
    if (sigsetjmp(env, 1) == 0) (void)*(volatile char *)own;
  return NULL;
}

int main(void) {
  char *freed = malloc(1 << 20);   /* protected while quarantined (HEAPGUARD_PROTECT_MIN) */
  char *block = malloc(1 << 20);
  own = (char *)(((uintptr_t)block + 8191) & ~(uintptr_t)4095);
  if (mprotect(own, 4096, PROT_NONE) != 0) return 2;
  struct sigaction sa = { .sa_handler = on_segv, .sa_flags = SA_NODEFER };
  if (sigaction(SIGSEGV, &sa, NULL) != 0) return 3;
  free(freed);
  pthread_t t[3];
  for (int i = 0; i < 3; i++)
    if (pthread_create(&t[i], NULL, prober, NULL) != 0) return 4;
  while (faults < 100) usleep(100);
  volatile char c = freed[4096 * 8];   /* BUG */
  printf("not reported %d\n", c);
  return 0;
}

/* Fork children of a multi-threaded program: blocks the parent's other threads held
 * only in registers at the fork are not leaks in a child (a child has the forking
 * thread alone), while a child's own leak is.  Built at -O2.  argv[1]: children.
 *   * "holders" malloc a block, wipe the stack below them (the allocator's frames left
 *     copies of its address there), then loop touching it: its address is in a
 *     register alone (it passes through memory only XORed with a key);
 *   * a "stacker" keeps its block in a local on its stack (a root in the child too);
 *   * the main thread, once every block is held, forks children that malloc and free
 *     and exit(0): each must exit 0; then one child that leaks a block of 77 bytes it
 *     allocated itself: it must exit 99.  Prints "clean N of M, leaker S". */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/register_block.h"

#define HOLDERS 2

static _Atomic int ready, stop;

static void *holder(void *arg) {
  char *p = register_block(100 + (size_t)arg);
  atomic_fetch_add(&ready, 1);
  for (unsigned i = 0; !atomic_load_explicit(&stop, memory_order_relaxed); i++) {
    __asm__ volatile("" : "+r"(p));   /* p stays in a register: never spilled, never rebuilt */
    p[i % 100]++;
  }
  free(p);
  return NULL;
}

static void *stacker(void *arg) {
  (void)arg;
  char *volatile kept = malloc(300);
  atomic_fetch_add(&ready, 1);
  while (!atomic_load(&stop)) usleep(1000);
  free(kept);
  return NULL;
}

int main(int argc, char **argv) {
  int children = argc > 1 ? atoi(argv[1]) : 20;
  pthread_t t[HOLDERS + 1];
  for (long i = 0; i < HOLDERS; i++) pthread_create(&t[i], NULL, holder, (void *)i);
  pthread_create(&t[HOLDERS], NULL, stacker, NULL);
  while (atomic_load(&ready) < HOLDERS + 1) usleep(100);
  int clean = 0, st;
  for (int i = 0; i < children; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      void *q = malloc(50 + (size_t)i);
      free(q);
      exit(0);
    }
    if (waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0) clean++;
  }
  pid_t pid = fork();
  if (pid == 0) {
    volatile uintptr_t lost = (uintptr_t)malloc(77) ^ KEY;   /* the child's own leak */
    (void)lost;
    wipe_below();
    exit(0);
  }
  waitpid(pid, &st, 0);
  atomic_store(&stop, 1);
  for (int i = 0; i < HOLDERS + 1; i++) pthread_join(t[i], NULL);
  printf("clean %d of %d, leaker %d\n", clean, children, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  return 0;
}

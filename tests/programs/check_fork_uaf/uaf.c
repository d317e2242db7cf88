/* Writes after free into quarantined blocks around fork(), for check_fork_uaf.sh.
 * Each block written is 40,000 bytes (a medium slot: pages of its own, poisoned whole),
 * among 2,000 small blocks freed before the forks, whose pages the children share
 * with the parent and leave alone at exit (src/forkpages.h).
 *   child 1 writes into a block it inherited, then exits: it reports it;
 *   child 2 exits after the parent wrote into a block (after the fork): its copy is
 *     intact;
 *   child 3 exits; the parent wrote into a block before forking it: its page is still
 *     the parent's, left to the parent (the evidence that the children skip shared
 *     pages: before, every child reported that block too);
 *   child 4 writes into a block, then forks a grandchild that holds the page until
 *     child 4 is gone: child 4 reports it (a process that forked verifies everything).
 * The parent reports the blocks it wrote, 2 and 3.  Prints each block's address, and
 * each child's pid and exit status.  Each big block comes from a call site of its own:
 * a report context of its own (contexts go by allocation stack). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BIG 40000

static __attribute__((noinline)) char *big(int i) {
  switch (i) {
  case 1: return malloc(BIG);
  case 2: return malloc(BIG);
  case 3: return malloc(BIG);
  default: return malloc(BIG);
  }
}

static int run(int n, char *q[5], int go) {
  int up[2];
  if (pipe(up)) return -1;
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    close(up[1]);
    char c;
    if (n == 1) q[1][100] = 'x';
    if (n == 2 && read(up[0], &c, 1) != 1) _exit(3);   /* after the parent's write */
    if (n == 4) {
      q[4][100] = 'x';
      int hold[2];
      if (pipe(hold)) _exit(3);
      pid_t g = fork();
      if (g == 0) {   /* holds child 4's pages until child 4 has exited, then dies quietly */
        close(hold[1]);
        while (read(hold[0], &c, 1) > 0) {}
        kill(getpid(), SIGKILL);
      }
      close(hold[0]);   /* (hold[1] closes when child 4 exits) */
    }
    exit(0);
  }
  close(up[0]);
  if (go) {
    q[2][100] = 'x';
    if (write(up[1], "g", 1) != 1) return -1;
  }
  close(up[1]);
  int st;
  if (waitpid(pid, &st, 0) != pid) return -1;
  printf("child %d pid %d status %d\n", n, (int)pid, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
  return 0;
}

int main(void) {
  static char *small[2000];
  char *q[5];
  for (int i = 0; i < 2000; i++) small[i] = malloc(16 + i % 300);
  for (int i = 1; i < 5; i++) q[i] = big(i);
  for (int i = 0; i < 2000; i++) free(small[i]);
  for (int i = 1; i < 5; i++) free(q[i]);
  printf("parent pid %d\n", (int)getpid());
  for (int i = 1; i < 5; i++) printf("block %d %p\n", i, (void *)(q[i] + 100));
  if (run(1, q, 0) || run(2, q, 1)) return 1;
  q[3][100] = 'x';   /* before child 3's fork (child 4 inherits it too) */
  if (run(3, q, 0) || run(4, q, 0)) return 1;
  fflush(stdout);
  return 0;
}

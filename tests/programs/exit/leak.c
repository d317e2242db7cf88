/* A program that leaks one 40-byte block, keeps a 100-byte one in a local of main, and
 * ends as argv[1] says: "_exit", "_Exit", "exit", "return" or "quick_exit", with status
 * argv[2].  "errors" as argv[3] also overflows a block (one heap error before the end).
 * With quick_exit, an at_quick_exit handler drops the only pointer to a 24-byte block:
 * leaked only if the exit-time work runs after the program's handlers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *volatile sink;
static void *volatile dropped;

static void drop(void) { dropped = NULL; }

static void leak(void) {
  sink = malloc(40);
  memset(sink, 1, 40);
  sink = NULL;   /* the only pointer to it is gone */
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  int status = atoi(argv[2]);
  char *volatile kept = malloc(100);   /* reachable from main's frame: not a leak */
  memset(kept, 2, 100);
  leak();
  if (argc > 3 && strcmp(argv[3], "errors") == 0) {
    char *p = malloc(16);
    p[16] = 'x';   /* overflow: reported when p is freed */
    free(p);
  }
  printf("buffered: never flushed by _exit\n");
  if (strcmp(argv[1], "_exit") == 0) _exit(status);
  if (strcmp(argv[1], "_Exit") == 0) _Exit(status);
  if (strcmp(argv[1], "exit") == 0) exit(status);
  if (strcmp(argv[1], "quick_exit") == 0) {
    dropped = malloc(24);
    at_quick_exit(drop);
    quick_exit(status);
  }
  return status;
}

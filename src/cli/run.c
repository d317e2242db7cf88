/* run.c — finding libheapguard.so, preloading it, running the program and ending the
 * way it ended. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define LIB_NAME "libheapguard.so"

/* path's absolute, resolved name (malloc'd) if it is a regular file, else NULL. */
static char *existing_file(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return NULL;
  return realpath(path, NULL);
}

char *cli_find_library(void) {
  const char *env = getenv("HEAPGUARD_LIB");
  char *lib;
  if (env && *env) {
    if (!(lib = existing_file(env)))
      cli_fail("HEAPGUARD_LIB=%s: no such library file", env);
    return lib;
  }
  char exe[PATH_MAX], path[PATH_MAX + 32];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0)
    cli_fail("cannot find " LIB_NAME ": /proc/self/exe: %s (set HEAPGUARD_LIB)", strerror(errno));
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (slash) *slash = '\0';
  snprintf(path, sizeof path, "%s/%s", exe, LIB_NAME);
  if ((lib = existing_file(path))) return lib;
  snprintf(path, sizeof path, "%s/../lib/%s", exe, LIB_NAME);
  if ((lib = existing_file(path))) return lib;
  cli_fail("cannot find " LIB_NAME ": not in %s nor in %s/../lib (set HEAPGUARD_LIB to its path)",
           exe, exe);
}

void cli_preload(const char *lib, const char *mode) {
  /* ld.so splits LD_PRELOAD at spaces and colons: such a path cannot be preloaded */
  if (strpbrk(lib, " :\t\n"))
    cli_fail("cannot preload %s: LD_PRELOAD cannot hold a path with a space or colon", lib);
  const char *old = getenv("LD_PRELOAD");
  if (old && old[strspn(old, " :\t\n")] != '\0') {
    size_t size = strlen(lib) + 1 + strlen(old) + 1;
    char *both = malloc(size);
    if (!both) cli_fail("out of memory");
    snprintf(both, size, "%s:%s", lib, old);
    if (setenv("LD_PRELOAD", both, 1) != 0) cli_fail("cannot set LD_PRELOAD: out of memory");
    free(both);
  } else if (setenv("LD_PRELOAD", lib, 1) != 0) {
    cli_fail("cannot set LD_PRELOAD: out of memory");
  }
  if (setenv("HEAPGUARD_MODE", mode, 1) != 0) cli_fail("cannot set HEAPGUARD_MODE: out of memory");
}

/* Signals that would kill this process while the program runs and that the program
 * should get instead: passed on to it.  (SIGINT and SIGQUIT come from the terminal to
 * the whole process group, so they are ignored here, as system(3) does.) */
static const int forwarded[] = { SIGHUP, SIGTERM, SIGUSR1, SIGUSR2 };
#define N_FORWARDED (sizeof forwarded / sizeof *forwarded)
static volatile pid_t child;

static void forward(int sig) {
  if (child > 0) kill(child, sig);
}

/* The child: exec the program, or say why not as a shell would and exit 127/126. */
static void exec_program(char **argv) __attribute__((noreturn));
static void exec_program(char **argv) {
  execvp(argv[0], argv);
  int err = errno;
  struct stat st;
  if (err == ENOENT && !strchr(argv[0], '/'))
    cli_error("%s: command not found", argv[0]);
  else if (err == EACCES && stat(argv[0], &st) == 0 && S_ISDIR(st.st_mode))
    cli_error("%s: Is a directory", argv[0]);
  else
    cli_error("%s: %s", argv[0], strerror(err));
  _exit(err == ENOENT || err == ENOTDIR ? 127 : 126);
}

/* End as the program ended: the same signal (without a core file of this process), or
 * the same exit status. */
static void end_like(int status) __attribute__((noreturn));
static void end_like(int status) {
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    struct rlimit none = { 0, 0 };
    setrlimit(RLIMIT_CORE, &none);
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    exit(128 + sig);   /* a signal whose default action does not kill */
  }
  exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

void cli_run(char **argv) {
  /* As system(3): ignore SIGINT and SIGQUIT while the program runs (the child gets
   * back the old actions); block the forwarded signals until the handler knows the
   * child. */
  struct sigaction ignore = { .sa_handler = SIG_IGN }, old_int, old_quit;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGINT, &ignore, &old_int);
  sigaction(SIGQUIT, &ignore, &old_quit);
  sigset_t block, old_mask;
  sigemptyset(&block);
  for (size_t i = 0; i < N_FORWARDED; i++) sigaddset(&block, forwarded[i]);
  sigprocmask(SIG_BLOCK, &block, &old_mask);

  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    cli_error("cannot start %s: fork: %s", argv[0], strerror(errno));
    exit(126);
  }
  if (pid == 0) {
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    exec_program(argv);
  }

  child = pid;
  struct sigaction pass = { .sa_handler = forward, .sa_flags = SA_RESTART };
  sigemptyset(&pass.sa_mask);
  for (size_t i = 0; i < N_FORWARDED; i++) {
    struct sigaction old;
    /* a signal ignored when we started stays ignored (nohup) */
    if (sigaction(forwarded[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
      sigaction(forwarded[i], &pass, NULL);
  }
  sigprocmask(SIG_SETMASK, &old_mask, NULL);

  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      cli_error("waiting for %s: %s", argv[0], strerror(errno));
      exit(126);
    }
  }
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGQUIT, &old_quit, NULL);
  end_like(status);
}

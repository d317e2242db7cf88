// expect-clean
/* Check mode's calls run on a side stack (src/wipe.h), and the stub's CFI names the
   program's frame: a C++ exception thrown by a new_handler leaves operator new through
   it and is caught here, and pthread_cancel's forced unwinding leaves it too, running
   the cleanup handler pushed around the call.  A call left that way never gave the
   side stack back; the thread's next call takes it again (hg_side_acquire).  Seen from
   the program: a call that switched writes nothing below the program's stack pointer
   but its own return address, where a call that could not switch would run on the
   program's stack and zero what it used there.  Each case in the main thread and in a
   thread of its own; and a fork child's calls (the child keeps its thread's side
   stack) after the thread's exception. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <new>

#if !defined(__x86_64__)
int main() { return 77; }
#else
#define BELOW 4096

/* probe(fn, a, save): fills the BELOW bytes under its stack pointer with 0xa5, calls
   fn(a), copies those bytes to save; returns fn's result. */
extern "C" uintptr_t probe(void *fn, uintptr_t a, unsigned char *save);
__asm__(".text\n"
        ".globl probe\n"
        ".type probe, @function\n"
        "probe:\n"
        ".cfi_startproc\n"
        "  push %rbx\n  .cfi_adjust_cfa_offset 8\n  .cfi_rel_offset %rbx, 0\n"
        "  push %r12\n  .cfi_adjust_cfa_offset 8\n  .cfi_rel_offset %r12, 0\n"
        "  push %r13\n  .cfi_adjust_cfa_offset 8\n  .cfi_rel_offset %r13, 0\n"
        "  mov %rdi, %r12\n  mov %rsi, %r13\n  mov %rdx, %rbx\n"
        "  lea -4096(%rsp), %rdi\n  mov $4096, %ecx\n  mov $0xa5, %eax\n  cld\n  rep stosb\n"
        "  mov %r13, %rdi\n"
        "  call *%r12\n"
        "  mov %rax, %r13\n"
        "  lea -4096(%rsp), %rsi\n  mov %rbx, %rdi\n  mov $4096, %ecx\n  rep movsb\n"
        "  mov %r13, %rax\n"
        "  pop %r13\n  .cfi_adjust_cfa_offset -8\n"
        "  pop %r12\n  .cfi_adjust_cfa_offset -8\n"
        "  pop %rbx\n  .cfi_adjust_cfa_offset -8\n"
        "  ret\n"
        ".cfi_endproc\n"
        ".size probe, .-probe\n");

static int failures;

static void fail(const char *what) {
  fprintf(stderr, "%s\n", what);
  __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
}

/* malloc and free through probe: no byte below the caller's stack pointer written but
   the return address (the last 8). */
static void untouched(const char *where) {
  unsigned char save[BELOW];
  for (int round = 0; round < 2; round++) {
    void *p = (void *)probe((void *)&malloc, 100, save);
    for (size_t j = 0; j < BELOW - 8; j++)
      if (save[j] != 0xa5) {
        fprintf(stderr, "%s: malloc wrote %zu bytes below the stack pointer\n", where, BELOW - j);
        fail("the call did not switch");
        break;
      }
    probe((void *)&free, (uintptr_t)p, save);
    for (size_t j = 0; j < BELOW - 8; j++)
      if (save[j] != 0xa5) {
        fprintf(stderr, "%s: free wrote %zu bytes below the stack pointer\n", where, BELOW - j);
        fail("the call did not switch");
        break;
      }
  }
}

static int turns;
static void throwing_handler() {
  if (++turns == 2) throw std::bad_alloc();
}

__attribute__((noinline)) static char *huge_new() { return new char[(size_t)1 << 62]; }

static void exception_case(const char *where) {
  free(malloc(10));   /* (a thread's first call maps its side stack, from the thread's stack) */
  untouched(where);
  turns = 0;
  std::set_new_handler(throwing_handler);
  bool caught = false;
  try {
    char *p = huge_new();
    p[0] = 1;
  } catch (const std::bad_alloc &) {
    caught = true;
  }
  std::set_new_handler(nullptr);
  if (!caught || turns != 2) fail("the exception was not caught here");
  free(malloc(10));   /* takes the side stack again */
  untouched(where);
}

static void *exception_thread(void *) {
  exception_case("thread");
  pid_t pid = fork();
  if (pid == 0) {
    untouched("fork child");
    _exit(failures != 0);
  }
  int st;
  if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) fail("the fork child failed");
  return NULL;
}

/* A thread cancelled inside operator new: its new_handler waits at a cancellation
   point; the cleanup handler pushed around the call must run. */
static volatile int cleaned, waiting;
static void cleanup(void *) { cleaned = 1; }
static void waiting_handler() {
  waiting = 1;
  for (;;) pause();
}
static void *cancelled_thread(void *) {
  std::set_new_handler(waiting_handler);
  pthread_cleanup_push(cleanup, NULL);
  char *p = huge_new();
  p[0] = 1;
  pthread_cleanup_pop(0);
  return NULL;
}

int main() {
  exception_case("main");
  pthread_t t;
  if (pthread_create(&t, NULL, exception_thread, NULL) != 0 || pthread_join(t, NULL) != 0) return 2;
  if (pthread_create(&t, NULL, cancelled_thread, NULL) != 0) return 2;
  while (!waiting) usleep(1000);
  void *r = NULL;
  if (pthread_cancel(t) != 0 || pthread_join(t, &r) != 0) return 2;
  if (r != PTHREAD_CANCELED || !cleaned) fail("the cancelled thread did not unwind through operator new");
  std::set_new_handler(nullptr);
  untouched("main, at the end");
  if (!failures) puts("ok");
  return failures != 0;
}
#endif

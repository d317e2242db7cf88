/* wipe.c — check mode's side stacks (wipe.h): the stubs' slow path, each thread's side
 * stack made, recycled and shown to the leak scan, and the wipe of a call that cannot
 * switch. */
#define _GNU_SOURCE
#include "wipe.h"
#include "init.h"
#include "lock.h"
#include "os.h"
#include "stack.h"

#include <pthread.h>
#include <signal.h>

/* (Read by every stub, in the default mode too: with the data its paths read.) */
uint8_t hg_wipe_on HG_DEFAULT_DATA;
size_t hg_wipe_bytes;

__thread uintptr_t hg_side_free;
__thread struct hg_side *hg_side;

/* A side stack's size, the guard page included.  A call uses under 1 KiB of it when
 * the capture's memo answers; a first walk (libunwind) about 5 KiB, a report (the
 * symboliser: libdw) and the first call's start-up (dlopen of libunwind) tens of KiB,
 * and each signal handler that interrupts a call takes a frame of
 * getauxval(AT_MINSIGSTKSZ) (3.4 KiB with AVX-512) and its own frames.  Address
 * space only: the kernel faults in the pages a thread touches (two or three). */
#define SIDE_SIZE (512 * 1024)

/* What a thread with no side stack for good points hg_side at: one that exited (its
 * destructor ran: calls from later destructors run where they are), or whose stack
 * could not be mapped or kept.  Its own: the record in front is written by each call
 * (hg_side_here); lo = hi = 0 (nothing is on it). */
static __thread struct { uintptr_t record[2]; struct hg_side h; } side_none;

static struct hg_side *side_free_list, *side_all;   /* made, free; every one made */
static hg_lock_t side_lock HG_FORK_DATA = HG_LOCK_INIT;
static uintptr_t side_span_lo, side_span_hi;   /* the side stacks lie in [lo, hi) */
static pthread_key_t side_key;
static bool side_key_ready;


/* The record's stack pointer word: 0 while no call uses the side stack (the stubs
 * clear it as they leave). */
static inline uintptr_t *record_sp(struct hg_side *s) { return (uintptr_t *)s - 1; }

static void side_release(void *arg) {
  struct hg_side *s = arg;
  hg_side_free = 0;
  hg_side = &side_none.h;
  if (!s || s == &side_none.h) return;
  *record_sp(s) = 0;
  s->owned = false;
  hg_lock(&side_lock);
  s->next_free = side_free_list;
  side_free_list = s;
  hg_unlock(&side_lock);
}

static struct hg_side *side_make(void) {
  hg_lock(&side_lock);
  struct hg_side *s = side_free_list;
  if (s) side_free_list = s->next_free;
  hg_unlock(&side_lock);
  if (!s) {
    char *m = hg_os_map(SIDE_SIZE);
    if (!m) return NULL;
    if (!hg_os_protect(m, HG_PAGE, false)) {   /* the guard page */
      hg_os_unmap(m, SIDE_SIZE);
      return NULL;
    }
    s = (struct hg_side *)(m + SIDE_SIZE - hg_align_up(sizeof *s, 16));
    s->lo = (uintptr_t)m;
    s->hi = (uintptr_t)m + SIDE_SIZE;
    hg_lock(&side_lock);
    s->next_all = side_all;
    side_all = s;
    if (!side_span_hi || s->lo < side_span_lo) side_span_lo = s->lo;
    if (s->hi > side_span_hi) side_span_hi = s->hi;
    hg_unlock(&side_lock);
  }
  s->owned = true;
  return s;
}

/* A stub found hg_side_free 0: the thread has no side stack yet, or one in use — by a
 * call this one interrupted (a signal handler's) or encloses (the allocator's own
 * allocations), or by a call left without returning (an exception thrown from a
 * new_handler, pthread_cancel's unwinding, a longjmp out of a signal handler), which
 * the stub never saw leave.  sp: the stack pointer at the stub's entry.  Returns the
 * side stack's top for the call to switch to (hg_side_free stays 0: in use), or 0 for
 * it to run where it is. */
HG_HIDDEN uintptr_t hg_side_acquire(uintptr_t sp) {
  struct hg_side *s = hg_side;
  if (s == &side_none.h) return 0;
  if (s) {
    /* A call in use has its record written; one that left without returning had its
     * frame on a regular stack below sp (the frame an exception or a longjmp reached
     * is its caller's or further up).  A handler that interrupted a call runs on the
     * side stack or an alternate stack; in the stub's few instructions between taking
     * the side stack and writing the record, or between restoring the program's stack
     * pointer and giving it back, the record's stack pointer is 0. */
    uintptr_t rsp = *record_sp(s);
    if (!rsp || sp <= rsp || hg_side_on(sp)) return 0;
    stack_t alt;
    if (sigaltstack(NULL, &alt) == 0 && (alt.ss_flags & SS_ONSTACK)) return 0;
    *record_sp(s) = 0;
    return (uintptr_t)s;
  }
  hg_side = &side_none.h;   /* (a call made by what follows runs where it is) */
  s = side_make();
  if (!s) return 0;
  /* (A key among the first 32 is set without allocating; a later one may calloc.) */
  if (!side_key_ready || pthread_setspecific(side_key, s) != 0) {
    side_release(s);   /* no way to learn of the thread's exit: not kept */
    return 0;
  }
  hg_side = s;
  return (uintptr_t)s;
}

/* What a call that ran where it was may zero below sp (its stub's entry): nothing on the
 * side stack, else `want` bytes (0: hg_wipe_bytes) but never past the end of the
 * stack it runs on (hg_stack_room: the alternate signal stack's base or the thread
 * stack's floor; nothing on a stack of unknown bounds, a coroutine's), a multiple of 8. */
HG_HIDDEN size_t hg_side_wipe_room(uintptr_t sp, size_t want) {
  /* (hg_stack_room may allocate, finding the thread's stack: those calls run where they
   * are too, and zero nothing, their frames being below this one's, which is wiped.) */
  static __thread bool finding;
  if (hg_side_on(sp) || finding) return 0;
  if (!want) want = hg_wipe_bytes;
  finding = true;
  size_t room = hg_stack_room(sp);
  finding = false;
  return (want < room ? want : room) & ~(size_t)7;
}

#if defined(HG_WIPE_STUBS)
/* hg_side_slow: jumped to by a stub that found no free side stack, with the stack as
 * the program's call left it, the body's address in r11 and the wipe's size in eax.
 * Its frame keeps the arguments (six registers) across hg_side_acquire and is zeroed
 * before it goes (the arguments are often block addresses, the saved rbp the
 * program's).  Then it switches as a stub does, or jumps to hg_side_here.
 *
 * hg_side_here: the call runs where it is, its record written where the side stack's
 * is (the capture starts from it), the record of the call it interrupted or encloses
 * kept meanwhile in its frame; then it zeroes what it used below the stack pointer as
 * far as hg_side_wipe_room allows (rep stosq; the result kept in r8).  hg_side is
 * never NULL here (hg_side_acquire). */
__asm__(".text\n"
        ".p2align 4\n"
        ".hidden hg_side_slow\n"
        ".globl hg_side_slow\n"
        ".type hg_side_slow, @function\n"
        "hg_side_slow:\n"
        ".cfi_startproc\n"
        "  push %rbp\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  .cfi_rel_offset %rbp, 0\n"
        "  mov %rsp, %rbp\n"
        "  .cfi_def_cfa_register %rbp\n"
        "  push %r11\n"
        "  push %rax\n"
        "  push %rdi\n"
        "  push %rsi\n"
        "  push %rdx\n"
        "  push %rcx\n"
        "  push %r8\n"
        "  push %r9\n"
        "  lea 8(%rbp), %rdi\n"
        "  call hg_side_acquire\n"
        "  mov %rax, %r10\n"
        "  mov -8(%rbp), %r11\n"
        "  mov -16(%rbp), %rax\n"
        "  mov -24(%rbp), %rdi\n"
        "  mov -32(%rbp), %rsi\n"
        "  mov -40(%rbp), %rdx\n"
        "  mov -48(%rbp), %rcx\n"
        "  mov -56(%rbp), %r8\n"
        "  mov -64(%rbp), %r9\n"
        "  movq $0, -24(%rbp)\n"
        "  movq $0, -32(%rbp)\n"
        "  movq $0, -40(%rbp)\n"
        "  movq $0, -48(%rbp)\n"
        "  movq $0, -56(%rbp)\n"
        "  movq $0, -64(%rbp)\n"
        "  mov %rbp, %rsp\n"
        "  pop %rbp\n"
        "  .cfi_def_cfa %rsp, 8\n"
        "  .cfi_restore %rbp\n"
        "  movq $0, -8(%rsp)\n"
        "  test %r10, %r10\n"
        "  jz hg_side_here\n"
        "  mov %rsp, -8(%r10)\n"
        "  mov %rbp, -16(%r10)\n"
        "  mov %rsp, -24(%r10)\n"
        "  lea -32(%r10), %rsp\n"
        HG_SIDE_CFA
        "  call *%r11\n"
        "  lea 32(%rsp), %rcx\n"
        "  mov 8(%rsp), %rsp\n"
        "  .cfi_def_cfa %rsp, 8\n"
        "  movq $0, -8(%rcx)\n"
        "  mov hg_side_free@gottpoff(%rip), %r11\n"
        "  mov %rcx, %fs:(%r11)\n"
        "  ret\n"
        ".cfi_endproc\n"
        ".size hg_side_slow, .-hg_side_slow\n"
        "\n"
        ".p2align 4\n"
        ".hidden hg_side_here\n"
        ".globl hg_side_here\n"
        ".type hg_side_here, @function\n"
        "hg_side_here:\n"
        ".cfi_startproc\n"
        "  push %rbp\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  .cfi_rel_offset %rbp, 0\n"
        "  mov %rsp, %rbp\n"
        "  .cfi_def_cfa_register %rbp\n"
        "  push %rax\n"                 /* -8: the wipe's size */
        "  sub $24, %rsp\n"             /* -16: hg_side, -24 and -32: the record kept */
        "  mov hg_side@gottpoff(%rip), %r10\n"
        "  mov %fs:(%r10), %r10\n"
        "  mov %r10, -16(%rbp)\n"
        "  mov -8(%r10), %rax\n"
        "  mov %rax, -24(%rbp)\n"
        "  mov -16(%r10), %rax\n"
        "  mov %rax, -32(%rbp)\n"
        "  lea 8(%rbp), %rax\n"
        "  mov %rax, -8(%r10)\n"
        "  mov (%rbp), %rax\n"
        "  mov %rax, -16(%r10)\n"
        "  call *%r11\n"
        "  mov -16(%rbp), %r10\n"
        "  mov -24(%rbp), %rcx\n"
        "  mov %rcx, -8(%r10)\n"
        "  mov -32(%rbp), %rcx\n"
        "  mov %rcx, -16(%r10)\n"
        "  mov %rax, -24(%rbp)\n"
        "  lea 8(%rbp), %rdi\n"
        "  mov -8(%rbp), %rsi\n"
        "  call hg_side_wipe_room\n"
        "  mov %rax, %rcx\n"
        "  mov -24(%rbp), %r8\n"
        "  mov %rbp, %rsp\n"
        "  pop %rbp\n"
        "  .cfi_def_cfa %rsp, 8\n"
        "  .cfi_restore %rbp\n"
        "  xor %eax, %eax\n"
        "  mov %rsp, %rdi\n"
        "  sub %rcx, %rdi\n"
        "  shr $3, %rcx\n"
        "  rep stosq\n"
        "  mov %r8, %rax\n"
        "  ret\n"
        ".cfi_endproc\n"
        ".size hg_side_here, .-hg_side_here\n");
#endif

/* ---- the exit work ------------------------------------------------------------------ */

/* The exit work (verify, leak scan, symbolised reports, summary) needs 8 to 12 KiB of
 * stack and more (libdw reading a big line table): under a tiny main stack (`ulimit -s
 * 16`) it died at exit in libunwind or libdw, every run.  It runs on the thread's side
 * stack instead, through a stub as the allocation functions do (wipe.h).  Taken free
 * (the stub switched: the record's stack pointer is the caller's, off the side stack),
 * nothing on it is live but the work's own frames, which the scan must not read (stale
 * copies of block addresses would hide leaks): exit_switched tells hg_side_note_stop.
 * When the side stack is in use (a signal handler's _exit inside a call) or there is
 * none (it could not be mapped), the work runs where it is, as before. */
static __thread bool exit_switched;

HG_WIPED_INTERNAL(int, side_exit, (int (*fn)(int), int status)) {
  struct hg_side *s = hg_side;
  bool switched = s && s->owned && hg_side_on((uintptr_t)__builtin_frame_address(0)) && !hg_side_on(*record_sp(s));
  exit_switched = switched;
  status = fn(status);
  exit_switched = false;
  return status;
}

int hg_side_exit_call(int (*fn)(int), int status) {
  return hg_wipe_on ? side_exit(fn, status) : fn(status);
}

/* ---- the leak scan ------------------------------------------------------------------ */

/* The part of the calling thread's side stack in use by a call, for a thread stopped
 * (or scanning) at sp: from sp on the side stack; the whole of it when a call is in
 * use there but the thread runs elsewhere (a signal handler on an alternate stack:
 * where that call's frames end is not known); none otherwise (what lies there is
 * dead: the frames of calls that returned). */
void hg_side_note_stop(uintptr_t sp) {
  struct hg_side *s = hg_side;
  if (!s || !s->owned) return;
  uintptr_t from = exit_switched ? s->hi : hg_side_on(sp) ? sp : hg_side_free == 0 && *record_sp(s) ? s->lo + HG_PAGE : s->hi;
  atomic_store_explicit(&s->scan_from, from, memory_order_relaxed);
}

/* Before the other threads are stopped: a thread that does not stop (hg_stop_others
 * gives up on it) may be anywhere on its side stack, which is read whole; the calling
 * thread's own is as for a stopped thread. */
void hg_side_scan_prepare(void) {
  hg_lock(&side_lock);
  for (struct hg_side *s = side_all; s; s = s->next_all)
    atomic_store_explicit(&s->scan_from, s->owned ? s->lo + HG_PAGE : s->hi, memory_order_relaxed);
  hg_unlock(&side_lock);
  hg_side_note_stop((uintptr_t)__builtin_frame_address(0));
}

/* fn on the part of each side stack to scan (the other threads stopped). */
void hg_side_each(void (*fn)(uintptr_t lo, uintptr_t hi, void *arg), void *arg) {
  for (struct hg_side *s = side_all; s; s = s->next_all) {
    uintptr_t from = atomic_load_explicit(&s->scan_from, memory_order_relaxed);
    if (from < (uintptr_t)s) fn(from & ~(uintptr_t)7, (uintptr_t)s, arg);
  }
}

bool hg_side_holds(uintptr_t lo, uintptr_t hi) {
  if (hi <= side_span_lo || lo >= side_span_hi) return false;
  for (struct hg_side *s = side_all; s; s = s->next_all)
    if (lo < s->hi && hi > s->lo) return true;
  return false;
}

void hg_side_fork_prepare(void) { hg_lock_fork(&side_lock); }
void hg_side_fork_parent(void) { hg_unlock_fork(&side_lock); }
/* The child has the forking thread only: the others' side stacks hold nothing live. */
void hg_side_fork_child(void) {
  hg_lock_reset(&side_lock);
  for (struct hg_side *s = side_all; s; s = s->next_all)
    if (s != hg_side) s->owned = false;
}

void hg_wipe_init(size_t stack_depth) {
  /* A call uses about 350 bytes of stack below the program's with the default depth,
   * besides the frames it captures (an array of them on the stack): 336 to 512 bytes
   * measured, calls whose walk missed the memo included. */
  hg_wipe_bytes = hg_align_up(512 + (stack_depth + HG_STACK_OWN_FRAMES_MAX) * sizeof(uintptr_t), 128);
#if defined(HG_WIPE_STUBS)
  side_key_ready = pthread_key_create(&side_key, side_release) == 0;
  hg_wipe_on = 1;
#endif
}

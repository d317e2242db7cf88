/* C++'s operator new and delete (heapguard exports them all, in C: src/cxx.c), with
 * the standard's semantics, which libstdc++'s own also have (this test passes under
 * both): new(0) gives distinct non-null pointers; a request that cannot be met runs
 * the new_handler until it succeeds or gives up, then throws std::bad_alloc (the
 * throwing forms never return NULL), or returns NULL (the nothrow forms, also when the
 * handler throws); a handler that frees memory makes the retry succeed; align_val_t
 * forms give blocks aligned as asked; each form's delete takes them back. */
#include "check.h"
#include "../common/vm_size.h"

#include <dlfcn.h>
#include <initializer_list>
#include <new>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static const size_t huge = (size_t)1 << 62;
static int calls;

static void give_up_third() {
  if (++calls >= 3) std::set_new_handler(nullptr);
}
static void throw_second() {
  if (++calls >= 2) throw std::bad_alloc();
}

/* Each throwing form: the handler runs three times, then bad_alloc. */
template <class F> static void expect_throw(F f, const char *what) {
  calls = 0;
  std::set_new_handler(give_up_third);
  bool thrown = false;
  try {
    void *p = f();
    CHECKF(p == nullptr && false, "%s returned %p", what, p);
  } catch (const std::bad_alloc &) {
    thrown = true;
  }
  CHECKF(thrown, "%s did not throw bad_alloc", what);
  CHECKF(calls == 3, "%s: new_handler called %d times, not 3", what, calls);
  std::set_new_handler(nullptr);
}

template <class F> static void expect_null(F f, const char *what) {
  calls = 0;
  std::set_new_handler(give_up_third);
  void *p = f();
  CHECKF(p == nullptr, "%s returned %p", what, p);
  CHECKF(calls == 3, "%s: new_handler called %d times, not 3", what, calls);
  calls = 0;
  std::set_new_handler(throw_second);   // a throwing handler: still NULL
  p = f();
  CHECKF(p == nullptr, "%s (throwing handler) returned %p", what, p);
  CHECKF(calls == 2, "%s: throwing new_handler called %d times, not 2", what, calls);
  std::set_new_handler(nullptr);
}

/* A handler that frees a reserve: the retry succeeds (in a child: RLIMIT_AS). */
static char *reserve;
static void release_reserve() {
  calls++;
  delete[] reserve;
  reserve = nullptr;
  std::set_new_handler(nullptr);
}

static int reserve_child() {
  const size_t MiB = (size_t)1 << 20;
  delete[] new char[48 * MiB];   // the allocator's own set-up for such blocks, counted
  if (!CHECK(limit_as(80 * MiB) == 0)) return check_finish();
  calls = 0;
  reserve = new char[48 * MiB];
  reserve[0] = 1;
  std::set_new_handler(release_reserve);
  char *p = nullptr;
  try {
    p = new char[48 * MiB];
  } catch (const std::bad_alloc &) {
  }
  CHECK(p != nullptr);
  CHECK_EQ(calls, 1);
  if (p) p[48 * MiB - 1] = 1;
  delete[] p;
  return check_finish();
}

/* Where malloc comes from, every operator comes from too, when it is not libc's: the
 * program's allocator (heapguard, preloaded or linked in) has them all. */
static void same_object_as_malloc() {
  static const char *const names[] = {
    "_Znwm", "_Znam", "_ZnwmRKSt9nothrow_t", "_ZnamRKSt9nothrow_t", "_ZdlPv", "_ZdaPv", "_ZdlPvm",
    "_ZdaPvm", "_ZdlPvRKSt9nothrow_t", "_ZdaPvRKSt9nothrow_t", "_ZnwmSt11align_val_t",
    "_ZnamSt11align_val_t", "_ZnwmSt11align_val_tRKSt9nothrow_t", "_ZnamSt11align_val_tRKSt9nothrow_t",
    "_ZdlPvSt11align_val_t", "_ZdaPvSt11align_val_t", "_ZdlPvmSt11align_val_t", "_ZdaPvmSt11align_val_t",
    "_ZdlPvSt11align_val_tRKSt9nothrow_t", "_ZdaPvSt11align_val_tRKSt9nothrow_t",
  };
  Dl_info m, o;
  if (!CHECK(dladdr(dlsym(RTLD_DEFAULT, "malloc"), &m))) return;
  if (strstr(m.dli_fname, "/libc.so")) return;   // glibc's malloc: libstdc++'s operators
  for (const char *name : names) {
    void *f = dlsym(RTLD_DEFAULT, name);
    CHECKF(f && dladdr(f, &o) && o.dli_fbase == m.dli_fbase, "%s is not from %s (malloc's) but %s", name,
           m.dli_fname, f && dladdr(f, &o) ? o.dli_fname : "nowhere");
  }
}

int main() {
  same_object_as_malloc();
  void *z1 = ::operator new(0), *z2 = ::operator new(0), *z3 = ::operator new[](0);
  CHECK(z1 && z2 && z3 && z1 != z2 && z2 != z3 && z1 != z3);
  ::operator delete(z1);
  ::operator delete(z2, (size_t)0);
  ::operator delete[](z3);
  void *za = ::operator new(0, std::align_val_t(64));
  CHECK(za && (uintptr_t)za % 64 == 0);
  ::operator delete(za, std::align_val_t(64));

  expect_throw([] { return ::operator new(huge); }, "new");
  expect_throw([] { return ::operator new[](huge); }, "new[]");
  expect_throw([] { return ::operator new(huge, std::align_val_t(64)); }, "new(align)");
  expect_throw([] { return ::operator new[](huge, std::align_val_t(4096)); }, "new[](align)");
  expect_null([] { return ::operator new(huge, std::nothrow); }, "new(nothrow)");
  expect_null([] { return ::operator new[](huge, std::nothrow); }, "new[](nothrow)");
  expect_null([] { return ::operator new(huge, std::align_val_t(64), std::nothrow); }, "new(align, nothrow)");
  expect_null([] { return ::operator new[](huge, std::align_val_t(64), std::nothrow); }, "new[](align, nothrow)");

  // An alignment that is not a power of two (undefined behaviour): the runtime's
  // answer, libstdc++'s std::bad_alloc or NULL at once (no new_handler: more memory
  // would not help); heapguard made a block by rounding it up.
  for (size_t bad : { (size_t)0, (size_t)3, (size_t)48, (size_t)4097 }) {
    bool thrown = false;
    try {
      void *p = ::operator new(100, std::align_val_t(bad));
      CHECKF(false, "new(100, align %zu) returned %p", bad, p);
    } catch (const std::bad_alloc &) {
      thrown = true;
    }
    CHECKF(thrown, "new(100, align %zu) did not throw bad_alloc", bad);
    void *p = ::operator new[](100, std::align_val_t(bad), std::nothrow);
    CHECKF(p == nullptr, "new[](100, align %zu, nothrow) returned %p", bad, p);
  }

  for (size_t align = 16; align <= ((size_t)1 << 22); align <<= 1)
    for (size_t n : { (size_t)1, align / 2, align, align * 3 + 5, (size_t)100000 }) {
      char *p = static_cast<char *>(::operator new(n, std::align_val_t(align)));
      CHECKF((uintptr_t)p % align == 0, "new(%zu, align %zu) = %p", n, align, (void *)p);
      p[0] = p[n - 1] = 1;
      if (n % 2) ::operator delete(p, std::align_val_t(align));
      else ::operator delete(p, n, std::align_val_t(align));
      p = static_cast<char *>(::operator new[](n, std::align_val_t(align), std::nothrow));
      CHECKF(p && (uintptr_t)p % align == 0, "new[](%zu, align %zu, nothrow) = %p", n, align, (void *)p);
      p[n - 1] = 1;
      if (n % 2) ::operator delete[](p, std::align_val_t(align), std::nothrow);
      else ::operator delete[](p, n, std::align_val_t(align));
    }
  for (size_t n = 1; n < 300000; n = n * 3 + 1) {   // every size range, every form
    char *a = new char[n], *b = static_cast<char *>(::operator new(n)), *c = new (std::nothrow) char[n];
    a[n - 1] = b[n - 1] = c[n - 1] = 2;
    delete[] a;
    ::operator delete(b, n);
    ::operator delete[](c, std::nothrow);
    void *d = ::operator new(n, std::nothrow);
    ::operator delete(d, std::nothrow);
  }

  pid_t pid = fork();
  if (pid == 0) _exit(reserve_child());
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  return check_finish();
}

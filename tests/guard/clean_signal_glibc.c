// expect-clean
// sampled: 0
/* signal() in guard mode and sampled guard mode, whose handler for SIGSEGV and SIGBUS
 * (guard mode: SIGABRT, SIGFPE, SIGILL too) keeps the program's actions apart: glibc's
 * semantics all the same (tests/api). */
#include "../api/signal_glibc.c"

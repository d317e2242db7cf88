// expect-clean
/* signal() in check mode, whose handler for SIGSEGV, SIGBUS, SIGABRT, SIGFPE and SIGILL
 * keeps the program's actions apart: glibc's semantics all the same (tests/api). */
#include "../api/signal_glibc.c"

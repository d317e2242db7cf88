// expect-clean
/* fork() from a signal handler that interrupted malloc or free, in check mode: the child
 * (its heap half-changed) does no exit-time work; no error anywhere (tests/api). */
#define SIGNALS 100
#include "../api/fork_in_handler.c"

// expect-clean
// sampled: 0
/* fork() from a signal handler that interrupted malloc or free, in guard mode and
 * sampled guard mode (tests/api); fewer signals: a fork copies every guarded mapping. */
#define SIGNALS 40
#include "../api/fork_in_handler.c"

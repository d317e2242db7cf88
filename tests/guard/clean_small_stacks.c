// expect-clean
// sampled: 0
/* Guard mode and sampled guard mode on small stacks: threads of PTHREAD_STACK_MIN, a
 * signal handler on an alternate stack, a coroutine (tests/bugs/clean_small_stacks.c). */
#include "../bugs/clean_small_stacks.c"

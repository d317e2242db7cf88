// expect-clean
// sampled: 0
/* Guard mode and sampled guard mode across fork: parent and child both allocate and
 * free; the child frees a block of the parent's (tests/bugs/clean_fork.c). */
#include "../bugs/clean_fork.c"

// expect-clean
// sampled: 0
/* tests/bugs/clean_own_new.cc in guard mode, and in sampled mode with every block sampled,
 * where a mismatch ends the program. */
#include "../bugs/clean_own_new.cc"

// expect-clean
// sampled: 0
/* Guard mode and sampled guard mode with live blocks the program made unreadable, their
 * slack's checked bytes in the protected pages: the verify reads around them
 * (tests/bugs/clean_unreadable_verify.c). */
#include "../bugs/clean_unreadable_verify.c"

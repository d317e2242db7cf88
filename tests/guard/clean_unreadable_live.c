// expect-clean
// sampled: 0
/* Guard mode and sampled guard mode with live blocks the program made unreadable: the
 * exit-time leak scan skips what cannot be read (tests/bugs/clean_unreadable_live.c). */
#include "../bugs/clean_unreadable_live.c"

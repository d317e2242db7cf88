// expect-clean
/* Guard mode: big blocks cost nothing until used (tests/bugs/clean_big_untouched.c). */
#include "../bugs/clean_big_untouched.c"

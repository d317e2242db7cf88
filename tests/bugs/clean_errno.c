// expect-clean
/* Check mode: successful allocator calls leave errno alone (see the guard test). */
#include "../guard/clean_errno.c"

// expect-clean
/* Check mode: hg_stats.in_use is uordblks + hblkhd there too (tests/api/stats_in_use.c). */
#include "../api/stats_in_use.c"

// expect-clean
// sampled: 0
/* Guard and sampled guard mode: hg_stats.in_use is uordblks + hblkhd
 * (tests/api/stats_in_use.c). */
#include "../api/stats_in_use.c"

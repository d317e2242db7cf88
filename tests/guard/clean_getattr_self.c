// expect-clean
// sampled: 0
/* tests/bugs/clean_getattr_self.c in guard mode, and in sampled mode with every block
 * sampled, where each sample's stack walk also asked for the thread's stack bounds
 * from inside pthread_getattr_np: both hung. */
#include "../bugs/clean_getattr_self.c"

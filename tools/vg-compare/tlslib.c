#include <stdlib.h>
static __thread void *lib_tls[4];
void tls_set(void) { lib_tls[2] = malloc(666); }

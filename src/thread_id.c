/* thread_id.c — the numbers and names reports give threads (see thread_id.h). */
#define _GNU_SOURCE
#include "thread_id.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

/* The name every thread has until the program names it: the process's at exec (the
 * executable's base name), which new threads inherit.  "" if not read (a name is then
 * never shown). */
static char start_name[16];

/* prctl through syscall(), which libheapguard.so imports already (prctl would be one
 * import more, resolved at every process's start). */
static bool thread_name(char out[16]) {
  out[0] = out[15] = '\0';
  return syscall(SYS_prctl, PR_GET_NAME, (unsigned long)out, 0UL, 0UL, 0UL) == 0;
}

void hg_thread_id_start(void) {
  if (!thread_name(start_name)) start_name[0] = '\0';
  if (!hg_leak_thread_serial) hg_leak_new_thread_serial();
}

void hg_thread_id_get(struct hg_thread_id *out) {
  out->number = hg_leak_thread_serial ? hg_leak_thread_serial : hg_leak_new_thread_serial();
  if (!start_name[0] || !thread_name(out->name) || __builtin_strcmp(out->name, start_name) == 0)
    out->name[0] = '\0';
}

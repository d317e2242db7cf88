/* stack_raw.h — printing a stack without the symboliser (stack_raw.c), and what the
 * symbolising printer (symbolise.c) shares with it.  Internal to the two. */
#ifndef HG_STACK_RAW_H
#define HG_STACK_RAW_H

#include "stack.h"

/* Is name one of the allocator's entry points (or a function they jump to), whose
 * frames a statically linked allocator leaves on top of a stack? */
bool hg_stack_is_entry_point(const char *name);
/* Where frame f of an unloaded object (unload.h's encoded form) was mapped, and its
 * offset in the file. */
uintptr_t hg_stack_unloaded_address(uintptr_t f, uintptr_t *file_offset);
/* The name of frame f (not encoded), minus back, from the executable's symbol table. */
const char *hg_stack_exe_name(uintptr_t f, uintptr_t back);
/* hg_stack_print's lines for frames[0..n) without the symboliser: module and offset;
 * named: with names from the executable's symbol table (a program started without a
 * loader), its allocator frames dropped and its start code not printed.  api and exact
 * as hg_stack_print's and hg_stack_frames'. */
void hg_stack_print_unsymbolised(const uintptr_t *frames, unsigned n, const char *api, bool exact, bool named);

#endif

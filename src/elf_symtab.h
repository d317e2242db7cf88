/* elf_symtab.h — function names from an ELF file's own symbol table, for check mode's
 * reports in a program started without a dynamic loader (-static, -static-pie), where
 * libdw cannot be loaded (symbolise.c).  Report time only: no malloc, no stdio, no
 * lock. */
#ifndef HG_ELF_SYMTAB_H
#define HG_ELF_SYMTAB_H

#include "internal.h"

/* The FUNC symbol of the 64-bit ELF file image[0 .. size) whose [st_value, st_value +
 * st_size) holds the link-time address a, from .symtab (else .dynsym), and a's offset
 * in it; NULL if there is none (stripped) or the file is malformed: every offset read
 * is checked against size first, so a truncated or hostile file gives NULL, never a
 * read outside the image.  The name points into the image. */
const char *hg_elf_symbol(const void *image, size_t size, uint64_t a, uint64_t *offset);

/* The same for the running program's own executable (/proc/self/exe), pc a run-time
 * address in one of its executable segments (the load bias of a static-pie taken
 * off); NULL otherwise.  The file is mapped at the first call and kept. */
const char *hg_elf_exe_symbol(uintptr_t pc, uint64_t *offset);

#endif

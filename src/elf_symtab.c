/* elf_symtab.c — function names from the program's own ELF symbol table (elf_symtab.h).
 *
 * What libdw does for every other program, reduced to the one question a report asks
 * of a statically linked one: which function holds this address.  The executable is
 * mapped read-only at the first report that asks and kept for the process: reports
 * come in runs (each error has two or three stacks, the leak summary one per loss
 * record), its pages are the page cache's (reclaimable, shared with the program's own
 * text), and a read-only mapping is no root of the leak scan.  Opened as
 * /proc/self/exe: the running file's inode, even if its path has been replaced or
 * removed since.  The symbols are searched one by one (a static program has a few
 * thousand): report time only, and no memory of our own to sort them into. */
#define _GNU_SOURCE
#include "elf_symtab.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>

#include "os.h"

/* Whether [off, off + len) lies in [0, size), without overflow. */
static bool inside(uint64_t off, uint64_t len, size_t size) {
  return off <= size && len <= size - off;
}

/* Section i's header, or NULL if the table does not hold it. */
static const Elf64_Shdr *section(const unsigned char *img, const Elf64_Ehdr *eh, unsigned i) {
  if (i >= eh->e_shnum) return NULL;
  return (const Elf64_Shdr *)(img + eh->e_shoff + (uint64_t)i * sizeof(Elf64_Shdr));
}

/* The symbol table of type `type` (SHT_SYMTAB, SHT_DYNSYM) and its string table,
 * both inside the image; false if there is none sound. */
static bool find_table(const unsigned char *img, size_t size, const Elf64_Ehdr *eh, uint32_t type,
                       const Elf64_Shdr **sym, const Elf64_Shdr **str) {
  for (unsigned i = 0; i < eh->e_shnum; i++) {
    const Elf64_Shdr *s = section(img, eh, i);
    if (s->sh_type != type) continue;
    const Elf64_Shdr *t = section(img, eh, s->sh_link);
    if (!t || t->sh_type != SHT_STRTAB || !inside(s->sh_offset, s->sh_size, size) ||
        !inside(t->sh_offset, t->sh_size, size) || s->sh_entsize != sizeof(Elf64_Sym) ||
        s->sh_offset % _Alignof(Elf64_Sym))
      continue;
    *sym = s;
    *str = t;
    return true;
  }
  return false;
}

const char *hg_elf_symbol(const void *image, size_t size, uint64_t a, uint64_t *offset) {
  const unsigned char *img = image;
  if (!img || size < sizeof(Elf64_Ehdr) || (uintptr_t)img % _Alignof(Elf64_Ehdr)) return NULL;
  const Elf64_Ehdr *eh = image;
  if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
      eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff % _Alignof(Elf64_Shdr) ||
      !inside(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr), size))
    return NULL;
  const Elf64_Shdr *sym, *str;
  if (!find_table(img, size, eh, SHT_SYMTAB, &sym, &str) && !find_table(img, size, eh, SHT_DYNSYM, &sym, &str))
    return NULL;
  const Elf64_Sym *syms = (const Elf64_Sym *)(img + sym->sh_offset);
  const char *strings = (const char *)(img + str->sh_offset);
  uint64_t n = sym->sh_size / sizeof(Elf64_Sym);
  /* Of the symbols holding a (aliases: malloc and __libc_malloc), the narrowest, then
   * a global one: the name the program's source most likely used. */
  const Elf64_Sym *best = NULL;
  for (uint64_t i = 0; i < n; i++) {
    const Elf64_Sym *s = &syms[i];
    unsigned type = ELF64_ST_TYPE(s->st_info);
    if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s->st_shndx == SHN_UNDEF ||
        a - s->st_value >= s->st_size || a < s->st_value || s->st_name >= str->sh_size ||
        !memchr(strings + s->st_name, 0, str->sh_size - s->st_name))
      continue;
    if (!best || s->st_size < best->st_size ||
        (s->st_size == best->st_size && ELF64_ST_BIND(s->st_info) == STB_GLOBAL &&
         ELF64_ST_BIND(best->st_info) != STB_GLOBAL))
      best = s;
  }
  if (!best || !strings[best->st_name]) return NULL;
  *offset = a - best->st_value;
  return strings + best->st_name;
}

/* ---- the running executable ----------------------------------------------------- */

static struct {
  _Atomic int state;   /* 0: not tried; 1: being mapped; 2: mapped; 3: cannot be */
  const void *image;
  size_t size;
  uintptr_t bias;      /* run-time address less link-time address */
} exe;

/* The load bias, from the program headers the kernel gave (AT_PHDR): where they are
 * less where the file says they are (PT_PHDR, else the PT_LOAD holding e_phoff: a
 * static non-PIE has no PT_PHDR). */
static bool find_bias(const Elf64_Ehdr *eh, uintptr_t *bias) {
  const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
  unsigned long n = getauxval(AT_PHNUM);
  if (!ph) return false;
  for (unsigned long i = 0; i < n; i++)
    if (ph[i].p_type == PT_PHDR) return *bias = (uintptr_t)ph - ph[i].p_vaddr, true;
  for (unsigned long i = 0; i < n; i++)
    if (ph[i].p_type == PT_LOAD && eh->e_phoff - ph[i].p_offset < ph[i].p_filesz && eh->e_phoff >= ph[i].p_offset)
      return *bias = (uintptr_t)ph - (ph[i].p_vaddr + eh->e_phoff - ph[i].p_offset), true;
  return false;
}

static HG_NOINLINE bool map_exe(void) {
  int fd = hg_sys_open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  const void *image = NULL;
  size_t size = 0;
  if (fstat(fd, &st) == 0 && st.st_size >= (off_t)sizeof(Elf64_Ehdr)) {
    size = (size_t)st.st_size;
    image = hg_os_map_file(fd, hg_align_up(size, HG_PAGE));
  }
  hg_sys_close(fd);
  if (!image) return false;
  if (!find_bias(image, &exe.bias)) {
    hg_os_unmap((void *)(uintptr_t)image, hg_align_up(size, HG_PAGE));
    return false;
  }
  exe.image = image;
  exe.size = size;
  return true;
}

/* Whether pc is in one of the program's executable segments (a frame elsewhere, in the
 * vDSO or a library static dlopen loaded, is not the file's to name). */
static bool in_exe_text(uintptr_t pc) {
  const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
  unsigned long n = getauxval(AT_PHNUM);
  for (unsigned long i = 0; ph && i < n; i++)
    if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X) && pc - exe.bias - ph[i].p_vaddr < ph[i].p_memsz)
      return true;
  return false;
}

/* Frames recur (a leak summary's records share their callers, and symbolise.c looks
 * each frame up twice), and a search reads every symbol (about 48,000 instructions for
 * a static program's 2,800), so answers are kept, by address.  Reports are printed
 * under diag's report lock; the key is cleared first and set last, so a report that
 * interrupts the writer in its own thread (a fault while reporting) cannot match a
 * half-written entry. */
#define MEMO_LOG 6
static struct memo { uintptr_t pc; const char *name; uint64_t offset; } memo[1u << MEMO_LOG];

const char *hg_elf_exe_symbol(uintptr_t pc, uint64_t *offset) {
  int state = atomic_load_explicit(&exe.state, memory_order_acquire);
  if (state == 0) {   /* (a report on another thread meanwhile goes without names) */
    if (!atomic_compare_exchange_strong_explicit(&exe.state, &state, 1, memory_order_acquire,
                                                 memory_order_acquire))
      return NULL;
    state = map_exe() ? 2 : 3;
    atomic_store_explicit(&exe.state, state, memory_order_release);
  }
  if (state != 2 || !in_exe_text(pc)) return NULL;
  struct memo *m = &memo[(pc * 0x9e3779b97f4a7c15u) >> (64 - MEMO_LOG)];
  if (m->pc != pc) {
    uint64_t off = 0;
    const char *name = hg_elf_symbol(exe.image, exe.size, pc - exe.bias, &off);
    m->pc = 0;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    m->name = name;
    m->offset = off;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    m->pc = pc;
  }
  *offset = m->offset;
  return m->name;
}

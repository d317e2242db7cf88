/* unit/elf_symtab: hg_elf_symbol, the reader of an ELF file's symbol table that names
 * the frames of a statically linked program's reports (symbolise.c).
 *
 * A crafted image (.symtab, .dynsym, their string tables) answers exactly; then every
 * truncation of it, hostile values in each field it reads, random corruption, and
 * truncations of this test's own executable: each lookup must give NULL or a name
 * that lies inside the image, and must never read outside it (the image ends at a
 * PROT_NONE page, so a read past its end faults).  hg_elf_exe_symbol names a function
 * of this (position-independent) program at its run-time address. */
#include "check.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "elf_symtab.h"

/* The crafted file: header, sections (null, .symtab, .strtab, .dynsym, .dynstr, .text),
 * symbols, strings. */
#define NSEC 6
#define NSYM 8
#define NDYN 2
struct image {
  Elf64_Ehdr eh;
  Elf64_Shdr sh[NSEC];
  Elf64_Sym sym[NSYM];
  Elf64_Sym dyn[NDYN];
  char str[96];
  char dynstr[32];
};
static const char strings[] = "\0first\0second\0alias_weak\0alias\0object\0undef\0local\0";
static const char dynstrings[] = "\0dynamic_one\0";

static unsigned name_at(const char *table, size_t size, const char *name) {
  for (size_t i = 1; i < size; i += strlen(table + i) + 1)
    if (strcmp(table + i, name) == 0) return (unsigned)i;
  abort();
}

static Elf64_Sym func(unsigned name, unsigned bind, uint64_t value, uint64_t size) {
  return (Elf64_Sym){ .st_name = name, .st_info = ELF64_ST_INFO(bind, STT_FUNC), .st_shndx = 5,
                      .st_value = value, .st_size = size };
}

static void craft(struct image *im, bool with_symtab) {
  memset(im, 0, sizeof *im);
  memcpy(im->eh.e_ident, ELFMAG, SELFMAG);
  im->eh.e_ident[EI_CLASS] = ELFCLASS64;
  im->eh.e_ident[EI_DATA] = ELFDATA2LSB;
  im->eh.e_type = ET_EXEC;
  im->eh.e_shoff = offsetof(struct image, sh);
  im->eh.e_shentsize = sizeof(Elf64_Shdr);
  im->eh.e_shnum = NSEC;
  im->eh.e_ehsize = sizeof(Elf64_Ehdr);
  memcpy(im->str, strings, sizeof strings);
  memcpy(im->dynstr, dynstrings, sizeof dynstrings);
  im->sh[1] = (Elf64_Shdr){ .sh_type = with_symtab ? SHT_SYMTAB : SHT_PROGBITS, .sh_link = 2,
                            .sh_offset = offsetof(struct image, sym), .sh_size = sizeof im->sym,
                            .sh_entsize = sizeof(Elf64_Sym) };
  im->sh[2] = (Elf64_Shdr){ .sh_type = SHT_STRTAB, .sh_offset = offsetof(struct image, str),
                            .sh_size = sizeof strings };
  im->sh[3] = (Elf64_Shdr){ .sh_type = SHT_DYNSYM, .sh_link = 4, .sh_offset = offsetof(struct image, dyn),
                            .sh_size = sizeof im->dyn, .sh_entsize = sizeof(Elf64_Sym) };
  im->sh[4] = (Elf64_Shdr){ .sh_type = SHT_STRTAB, .sh_offset = offsetof(struct image, dynstr),
                            .sh_size = sizeof dynstrings };
  im->sh[5] = (Elf64_Shdr){ .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC | SHF_EXECINSTR };
#define S(name) name_at(strings, sizeof strings, name)
  im->sym[1] = func(S("first"), STB_GLOBAL, 0x1000, 0x40);
  im->sym[2] = func(S("second"), STB_GLOBAL, 0x1040, 0x20);
  im->sym[3] = func(S("alias_weak"), STB_WEAK, 0x1060, 0x10);   /* same range: the global wins */
  im->sym[4] = func(S("alias"), STB_GLOBAL, 0x1060, 0x10);
  im->sym[5] = func(S("object"), STB_GLOBAL, 0x2000, 0x10);
  im->sym[5].st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT);
  im->sym[6] = func(S("undef"), STB_GLOBAL, 0x3000, 0x10);
  im->sym[6].st_shndx = SHN_UNDEF;
  im->sym[7] = func(S("local"), STB_LOCAL, 0x1048, 0x8);   /* inside second: the narrower wins */
#undef S
  im->dyn[1] = func(name_at(dynstrings, sizeof dynstrings, "dynamic_one"), STB_GLOBAL, 0x1000, 0x40);
}

/* A place for n bytes (n a multiple of 8 or not) ending at a PROT_NONE page: bytes up
 * to the next multiple of 8 are readable (the image must be 8-aligned); every struct
 * the reader reads is 8 bytes or more, so one past them faults. */
static unsigned char *guarded(size_t n, unsigned char **area, size_t *area_size) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE), body = (n + 7) / 8 * 8;
  *area_size = (body + page - 1) / page * page + page;
  *area = mmap(NULL, *area_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (*area == MAP_FAILED) abort();
  mprotect(*area + *area_size - page, page, PROT_NONE);
  return *area + *area_size - page - body;
}

/* The lookup of a in image[0 .. n) (copied to a guarded place): NULL, or a name that
 * lies in the image; "" for one that does not (a failure). */
static const char *lookup(const void *image, size_t n, uint64_t a, uint64_t *offset) {
  unsigned char *area;
  size_t area_size;
  unsigned char *p = guarded(n, &area, &area_size);
  memcpy(p, image, n);
  static char copy[64];
  const char *name = hg_elf_symbol(p, n, a, offset);
  if (name) {
    bool inside = (const unsigned char *)name >= p && (const unsigned char *)name < p + n &&
                  memchr(name, 0, (size_t)(p + n - (const unsigned char *)name));
    snprintf(copy, sizeof copy, "%s", inside ? name : "");
    name = copy;
  }
  munmap(area, area_size);
  return name;
}

#define NAMES(a, want, want_offset)                                                           \
  do {                                                                                        \
    uint64_t off_ = 0;                                                                        \
    const char *got_ = lookup(&im, sizeof im, (a), &off_);                                    \
    CHECKF(got_ && strcmp(got_, (want)) == 0 && off_ == (want_offset),                        \
           "address %#llx: got %s+%llu, want %s+%llu", (unsigned long long)(a),               \
           got_ ? got_ : "NULL", (unsigned long long)off_, (want), (unsigned long long)(want_offset)); \
  } while (0)
#define NONE(a)                                                                               \
  do {                                                                                        \
    uint64_t off_;                                                                            \
    const char *got_ = lookup(&im, sizeof im, (a), &off_);                                    \
    CHECKF(!got_, "address %#llx: got %s, want none", (unsigned long long)(a), got_);          \
  } while (0)

static int (*volatile named_function)(void);
__attribute__((noinline)) int elf_symtab_test_target(void) { return 7; }

int main(void) {
  struct image im;
  craft(&im, true);
  NAMES(0x1000, "first", 0);
  NAMES(0x103f, "first", 0x3f);
  NAMES(0x1040, "second", 0);
  NAMES(0x104a, "local", 2);
  NAMES(0x1065, "alias", 5);
  NONE(0x0fff);
  NONE(0x1070);   /* one past alias */
  NONE(0x2004);   /* an object, not a function */
  NONE(0x3004);   /* undefined */
  im.sym[2].st_size = UINT64_MAX;   /* reaching past the end of the address space */
  NONE(0x0fff);
  NAMES(0x2004, "second", 0x2004 - 0x1040);

  craft(&im, false);   /* stripped: .dynsym's names only */
  NAMES(0x1010, "dynamic_one", 0x10);
  NONE(0x1048);
  im.sh[3].sh_type = SHT_PROGBITS;   /* and without it */
  NONE(0x1010);

  /* Every truncation: a name only once the tables are whole. */
  craft(&im, true);
  for (size_t n = 0; n <= sizeof im; n++) {
    uint64_t off;
    const char *got = lookup(&im, n, 0x1044, &off);
    CHECKF(!got || (strcmp(got, "second") == 0 && n >= offsetof(struct image, str) + sizeof strings),
           "truncated to %zu bytes: %s", n, got);
  }

  /* Hostile values in each field read. */
  static const uint64_t hostile[] = { 0, 1, 7, 8, 0x7f, 0xff, 0xffff, 0x7fffffff, 0xffffffff,
                                      (uint64_t)sizeof im, (uint64_t)sizeof im - 1, 1ull << 63,
                                      UINT64_MAX, UINT64_MAX - 7, UINT64_MAX - 0x1040 };
  size_t nh = sizeof hostile / sizeof *hostile;
  for (size_t h = 0; h < nh; h++) {
    uint64_t v = hostile[h], off;
#define FIELD(lvalue)                                                                          \
  do {                                                                                         \
    craft(&im, true);                                                                          \
    lvalue = (__typeof__(lvalue))v;                                                            \
    const char *got = lookup(&im, sizeof im, 0x1044, &off);                                    \
    CHECKF(!got || strcmp(got, "") != 0, "%s = %#llx: a name outside the image", #lvalue,      \
           (unsigned long long)v);                                                             \
  } while (0)
    FIELD(im.eh.e_shoff);
    FIELD(im.eh.e_shnum);
    FIELD(im.eh.e_shentsize);
    for (unsigned s = 1; s < NSEC; s++) {
      FIELD(im.sh[s].sh_type);
      FIELD(im.sh[s].sh_link);
      FIELD(im.sh[s].sh_offset);
      FIELD(im.sh[s].sh_size);
      FIELD(im.sh[s].sh_entsize);
    }
    for (unsigned s = 1; s < NSYM; s++) {
      FIELD(im.sym[s].st_name);
      FIELD(im.sym[s].st_value);
      FIELD(im.sym[s].st_size);
      FIELD(im.sym[s].st_shndx);
    }
#undef FIELD
  }
  /* A string table without its final NUL: names that would run off it are refused. */
  craft(&im, true);
  memset(im.str, 'x', sizeof im.str);
  uint64_t off;
  CHECK(lookup(&im, sizeof im, 0x1044, &off) == NULL);

  /* Random corruption of a few bytes at a time. */
  uint64_t seed = 88;
  for (int round = 0; round < 20000; round++) {
    craft(&im, true);
    for (int k = 0; k < 4; k++) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      ((unsigned char *)&im)[(seed >> 33) % sizeof im] = (unsigned char)(seed >> 13);
    }
    const char *got = lookup(&im, sizeof im, 0x1000 + (seed >> 50) % 0x80, &off);
    if (!CHECKF(!got || strcmp(got, "") != 0, "round %d: a name outside the image", round)) break;
  }

  /* This program's own file, whole and truncated. */
  int fd = open("/proc/self/exe", O_RDONLY);
  if (!CHECK(fd >= 0)) return check_finish();
  off_t size = lseek(fd, 0, SEEK_END);
  unsigned char *file = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (!CHECK(file != MAP_FAILED)) return check_finish();
  named_function = elf_symtab_test_target;
  uint64_t pc = (uint64_t)(uintptr_t)named_function + 3, want_off = 0;
  const char *name = hg_elf_exe_symbol(pc, &want_off);
  CHECKF(name && strcmp(name, "elf_symtab_test_target") == 0 && want_off == 3,
         "hg_elf_exe_symbol(elf_symtab_test_target + 3): %s+%llu", name ? name : "NULL",
         (unsigned long long)want_off);
  CHECK(hg_elf_exe_symbol((uintptr_t)&check_count_, &off) == NULL);   /* data, not text */
  /* Its link-time address, from the whole file, then each truncation must agree or say
   * nothing. */
  uint64_t link = 0;
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *)file;
  const Elf64_Shdr *sh = (const Elf64_Shdr *)(file + eh->e_shoff);
  for (unsigned i = 0; i < eh->e_shnum; i++)
    if (sh[i].sh_type == SHT_SYMTAB) {
      const Elf64_Sym *sy = (const Elf64_Sym *)(file + sh[i].sh_offset);
      const char *st = (const char *)(file + sh[sh[i].sh_link].sh_offset);
      for (size_t k = 0; k < sh[i].sh_size / sizeof *sy; k++)
        if (strcmp(st + sy[k].st_name, "elf_symtab_test_target") == 0) link = sy[k].st_value;
    }
  if (CHECK(link != 0)) {
    CHECK(lookup(file, (size_t)size, link + 3, &off) && off == 3);
    for (size_t step = (size_t)size / 97 + 1, n = 0; n < (size_t)size; n += step) {
      const char *got = lookup(file, n, link + 3, &off);
      CHECKF(!got || (strcmp(got, "elf_symtab_test_target") == 0 && off == 3),
             "this program truncated to %zu bytes: %s", n, got);
    }
    for (size_t n = eh->e_shoff; n < (size_t)size; n++) {   /* inside the section headers */
      const char *got = lookup(file, n, link + 3, &off);
      CHECKF(!got, "this program truncated to %zu bytes (in its section headers): %s", n, got);
    }
  }
  munmap(file, (size_t)size);
  return check_finish();
}

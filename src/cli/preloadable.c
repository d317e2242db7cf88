/* preloadable.c — can LD_PRELOAD put libheapguard.so into the program at all?
 *
 * The dynamic loader reads LD_PRELOAD; a program it does not start, or that it starts
 * in secure mode, runs with its own allocator, unchecked, and nothing in it would say
 * so.  So the program's file is read before it is run, as the kernel and ld.so will
 * read it: a script's interpreter (#!) in its place, a statically linked program (no
 * PT_INTERP: ld.so never runs), a program for another ELF class or machine than the
 * library's (ld.so skips the library), and a program the kernel starts with more
 * privileges than its caller's (set-user-ID, set-group-ID, file capabilities: ld.so
 * then ignores every LD_PRELOAD path with a slash, and the library every HEAPGUARD_
 * variable).  A statically linked program with heapguard linked in (libheapguard.a)
 * carries the library's ELF note (api.c) and is fine: the mode comes from
 * HEAPGUARD_MODE.  A file this process cannot read is given the benefit of the doubt. */
#include "cli.h"

#include <elf.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

/* The kernel follows at most this many interpreters (#!) before giving up (ELOOP). */
#define MAX_INTERPRETERS 4

/* The file execvp would run for name: name itself if it has a slash, else the first
 * executable regular file of that name in PATH (glibc's default if unset).  Copied to
 * out; false if none. */
static bool find_program(const char *name, char *out, size_t size) {
  if (strchr(name, '/')) return snprintf(out, size, "%s", name) < (int)size;
  const char *path = getenv("PATH");
  if (!path) path = "/bin:/usr/bin";
  for (const char *p = path;; p++) {
    size_t len = strcspn(p, ":");
    struct stat st;
    /* an empty element is the current directory */
    int n = len ? snprintf(out, size, "%.*s/%s", (int)len, p, name) : snprintf(out, size, "%s", name);
    if (n > 0 && (size_t)n < size && stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
        access(out, X_OK) == 0)
      return true;
    p += len;
    if (!*p) return false;
  }
}

static bool read_at(int fd, void *buf, size_t size, off_t offset) {
  return pread(fd, buf, size, offset) == (ssize_t)size;
}

/* Does the note area [offset, offset + size) of the file hold heapguard's note? */
static bool has_heapguard_note(int fd, off_t offset, size_t size) {
  char buf[4096];
  if (size > sizeof buf) size = sizeof buf;   /* the note is among the first few */
  ssize_t got = pread(fd, buf, size, offset);
  if (got <= 0) return false;
  size_t n = (size_t)got;
  for (size_t at = 0; at + sizeof(Elf64_Nhdr) <= n;) {
    Elf64_Nhdr h;   /* the same layout in both ELF classes */
    memcpy(&h, buf + at, sizeof h);
    size_t name_at = at + sizeof h, namesz = (h.n_namesz + 3) & ~(size_t)3;
    if (h.n_namesz == sizeof HG_ELF_NOTE_NAME && name_at + h.n_namesz <= n &&
        memcmp(buf + name_at, HG_ELF_NOTE_NAME, sizeof HG_ELF_NOTE_NAME) == 0)
      return true;
    at = name_at + namesz + ((h.n_descsz + 3) & ~(size_t)3);
  }
  return false;
}

/* The ELF identity that matters to the loader: class (32/64-bit) and machine. */
struct elf_id { unsigned char class, data; unsigned machine; };

/* What the loader will find in an ELF file.  false if fd is not an ELF file this code
 * can read. */
struct elf_facts { struct elf_id id; bool interp, soname, heapguard; };

/* One program header or dynamic entry, in the file's class, widened. */
static bool read_phdr(int fd, const struct elf_id *id, off_t at, Elf64_Phdr *ph) {
  if (id->class == ELFCLASS64) return read_at(fd, ph, sizeof *ph, at);
  Elf32_Phdr p;
  if (!read_at(fd, &p, sizeof p, at)) return false;
  *ph = (Elf64_Phdr){ .p_type = p.p_type, .p_offset = p.p_offset, .p_filesz = p.p_filesz };
  return true;
}

static bool read_elf(int fd, struct elf_facts *f) {
  unsigned char ident[EI_NIDENT];
  if (!read_at(fd, ident, sizeof ident, 0) || memcmp(ident, ELFMAG, SELFMAG) != 0) return false;
  *f = (struct elf_facts){ .id.class = ident[EI_CLASS], .id.data = ident[EI_DATA] };
  uint64_t phoff;
  unsigned phnum, phentsize;
  if (f->id.class == ELFCLASS64) {
    Elf64_Ehdr e;
    if (!read_at(fd, &e, sizeof e, 0)) return false;
    f->id.machine = e.e_machine, phoff = e.e_phoff, phnum = e.e_phnum, phentsize = e.e_phentsize;
  } else if (f->id.class == ELFCLASS32) {
    Elf32_Ehdr e;
    if (!read_at(fd, &e, sizeof e, 0)) return false;
    f->id.machine = e.e_machine, phoff = e.e_phoff, phnum = e.e_phnum, phentsize = e.e_phentsize;
  } else {
    return false;
  }
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (f->id.data != ELFDATA2LSB) return true;   /* another machine: its fields read wrong */
#else
  if (f->id.data != ELFDATA2MSB) return true;
#endif
  for (unsigned i = 0; i < phnum && i < 256; i++) {
    Elf64_Phdr ph;
    if (!read_phdr(fd, &f->id, (off_t)(phoff + (uint64_t)i * phentsize), &ph)) break;
    if (ph.p_type == PT_INTERP) f->interp = true;
    if (ph.p_type == PT_NOTE && has_heapguard_note(fd, (off_t)ph.p_offset, ph.p_filesz))
      f->heapguard = true;
    /* a shared object run directly (ld.so itself: `ld.so ./prog`) has no PT_INTERP
     * but names itself; a static-pie program does not */
    for (uint64_t k = 0; ph.p_type == PT_DYNAMIC && k < ph.p_filesz && k < 65536;) {
      int64_t tag;
      if (f->id.class == ELFCLASS64) {
        Elf64_Dyn d;
        if (!read_at(fd, &d, sizeof d, (off_t)(ph.p_offset + k))) break;
        tag = d.d_tag, k += sizeof d;
      } else {
        Elf32_Dyn d;
        if (!read_at(fd, &d, sizeof d, (off_t)(ph.p_offset + k))) break;
        tag = d.d_tag, k += sizeof d;
      }
      if (tag == DT_NULL) break;
      if (tag == DT_SONAME) f->soname = true;
    }
  }
  return true;
}

/* The privileges the kernel gives a process running the file: why LD_PRELOAD will be
 * ignored there (ld.so's secure mode, AT_SECURE), or NULL.  The set-ID bits count
 * unless the file system is mounted nosuid or this process has no_new_privs, and only
 * if they change an id (root running a set-user-ID root program gets no AT_SECURE). */
static bool secure_exec(const char *file, const struct stat *st, char *why, size_t size) {
  struct statvfs vfs;
  if ((statvfs(file, &vfs) == 0 && (vfs.f_flag & ST_NOSUID)) ||
      prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
    return false;
  if ((st->st_mode & S_ISUID) && st->st_uid != getuid()) {
    snprintf(why, size, "it is set-user-ID (it runs as user %u)", (unsigned)st->st_uid);
    return true;
  }
  /* without group execute permission the bit means mandatory locking, not set-group-ID */
  if ((st->st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) && st->st_gid != getgid()) {
    snprintf(why, size, "it is set-group-ID (it runs as group %u)", (unsigned)st->st_gid);
    return true;
  }
  /* capabilities the file gives: a gain for anyone but root, who has them all */
  if (geteuid() != 0 && getxattr(file, "security.capability", NULL, 0) > 0) {
    snprintf(why, size, "it has file capabilities (setcap)");
    return true;
  }
  return false;
}

/* Why the loader will not preload the library (of identity lib) into file, which is
 * run as `what` says ("it" or "its interpreter NAME"): false if nothing prevents it. */
static bool why_not(const char *file, const struct elf_id *lib, int depth, char *why, size_t size) {
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  struct elf_facts f;
  char head[256];
  ssize_t n;
  bool found = false;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    /* not for this code to say */
  } else if (read_elf(fd, &f)) {
    if (secure_exec(file, &st, why, size)) {
      found = true;   /* heapguard linked in ignores HEAPGUARD_* there too */
    } else if (lib && (f.id.class != lib->class || f.id.data != lib->data ||
                       f.id.machine != lib->machine)) {
      if (f.id.class != lib->class && f.id.data == lib->data)
        snprintf(why, size, "it is a %d-bit program, and libheapguard.so is %d-bit",
                 f.id.class == ELFCLASS32 ? 32 : 64, lib->class == ELFCLASS32 ? 32 : 64);
      else
        snprintf(why, size, "it is built for another machine (ELF machine %u; "
                 "libheapguard.so's is %u)", f.id.machine, lib->machine);
      found = true;
    } else if (!f.interp && !f.soname && !f.heapguard) {
      snprintf(why, size, "it is statically linked (the dynamic loader, which reads "
               "LD_PRELOAD, never runs in it)");
      found = true;
    }
  } else if ((n = pread(fd, head, sizeof head - 1, 0)) > 2 && head[0] == '#' && head[1] == '!') {
    /* a script: the kernel runs its interpreter, the first word after "#!" */
    head[n] = '\0';
    char *interp = head + 2 + strspn(head + 2, " \t");
    interp[strcspn(interp, " \t\n")] = '\0';
    char inner[512];
    if (*interp && depth < MAX_INTERPRETERS &&
        why_not(interp, lib, depth + 1, inner, sizeof inner)) {
      /* "it is ..." becomes "its interpreter /bin/x is ...", "its interpreter /bin/y
       * ..." becomes "its interpreter /bin/x, whose interpreter /bin/y ..." */
      if (strncmp(inner, "its ", 4) == 0)
        snprintf(why, size, "its interpreter %s, whose %s", interp, inner + 4);
      else
        snprintf(why, size, "its interpreter %s%s", interp, inner + 2);
      found = true;
    }
  }
  close(fd);
  return found;
}

bool cli_not_preloadable(const char *program, const char *lib_path, char *why, size_t size) {
  char file[4096];
  if (!find_program(program, file, sizeof file)) return false;   /* execvp will say */
  struct elf_id lib;
  struct elf_facts lib_facts;
  int fd = open(lib_path, O_RDONLY | O_CLOEXEC);
  bool have_lib = fd >= 0 && read_elf(fd, &lib_facts);
  if (fd >= 0) close(fd);
  if (have_lib) lib = lib_facts.id;
  return why_not(file, have_lib ? &lib : NULL, 0, why, size);
}

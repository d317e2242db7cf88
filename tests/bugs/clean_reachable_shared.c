// expect-clean
/* Clean: blocks whose only pointers are in shared or device-file mappings of the
 * program's own, each readable and writable: anonymous shared memory (the maps say
 * "/dev/zero (deleted)"), a private mapping of /dev/zero, a memfd and a regular file
 * mapped shared, a POSIX shared memory object (/dev/shm) and a System V segment.  Valgrind's
 * memcheck reads them all for its leak scan (it skips only character and block devices
 * but /dev/zero) and finds every block "still reachable"; the scan passed over every
 * shared file mapping and every path under /dev/, and reported all six "definitely
 * lost" (docs/real-programs.md, round 5).  A kind this system refuses (no /dev/shm,
 * System V IPC disabled) is left out. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

static void keep_in(void **page, size_t size) {
  if (page != MAP_FAILED && page != NULL) page[3] = malloc(size);
}

static void **map_fd(int fd, int flags) {
  if (fd < 0 || ftruncate(fd, 4096) != 0) return MAP_FAILED;
  return mmap(NULL, 4096, PROT_READ | PROT_WRITE, flags, fd, 0);
}

int main(void) {
  keep_in(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0), 101);
  keep_in(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, open("/dev/zero", O_RDWR), 0), 102);
  keep_in(map_fd(memfd_create("heapguard-test", 0), MAP_SHARED), 103);
  char file[] = "/tmp/heapguard-shared-XXXXXX";
  int fd = mkstemp(file);
  if (fd >= 0) unlink(file);
  keep_in(map_fd(fd, MAP_SHARED), 104);
  char name[64];
  snprintf(name, sizeof name, "/heapguard-test-%d", (int)getpid());
  int shm = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
  keep_in(map_fd(shm, MAP_SHARED), 105);   /* (mapped while its name is there: "/dev/shm/...") */
  if (shm >= 0) shm_unlink(name);
  int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
  if (id >= 0) {
    void **seg = shmat(id, NULL, 0);
    shmctl(id, IPC_RMID, NULL);
    keep_in(seg == (void *)-1 ? NULL : seg, 106);
  }
  return 0;
}

/* Leaks of many shapes, for heapguard check mode against Valgrind memcheck. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct node { struct node *next; char pad[40]; };
char *interior;          /* points 40 bytes into a 100-byte block */
char *one_past;          /* points just past the end of a 16-byte block */
union { void *p; uintptr_t i; } as_int;  /* a pointer stored as an integer */
uintptr_t hidden;        /* a pointer xor'd: nobody can see it */
void **in_mmap;          /* an anonymous mapping of the program's own */
char *big;               /* a 1 MiB block holding a pointer near its end */
char *aligned;           /* posix_memalign'd, holding a pointer */
static __thread void *tls_ptr;
static pthread_barrier_t started;
static int pipefd[2];

static void *holder(void *arg) {
  tls_ptr = malloc(333);                 /* only in this live thread's TLS */
  void *on_stack = malloc(444);          /* only on this live thread's stack */
  (void)arg;
  pthread_barrier_wait(&started);
  char c;
  if (read(pipefd[0], &c, 1) < 0) return on_stack;   /* blocks until exit */
  return on_stack;
}

static void *short_lived(void *arg) {
  tls_ptr = malloc(555);                 /* TLS of a thread that has ended */
  return arg;
}

/* Every shape in a function of its own, returned from before exit(): its locals are
 * below the stack pointer then, where neither tool looks. */
static __attribute__((noinline)) void make_leaks(void) {
  /* a list of 3 nodes with no pointer to its head: 1 definite, 2 indirect */
  struct node *h = NULL;
  for (int i = 0; i < 3; i++) { struct node *n = calloc(1, sizeof *n); n->next = h; h = n; }
  h = NULL;
  /* a cycle of two, no outside pointer */
  struct node *a = malloc(sizeof *a), *b = malloc(sizeof *b);
  a->next = b; b->next = a; a = b = NULL;
  /* a block reachable only from a freed block */
  struct node *f = malloc(sizeof *f); f->next = malloc(77); free(f);
  /* a block reachable only from the old place of a realloc'd block */
  void **r = malloc(16); r[0] = malloc(88); r = realloc(r, 100000); r[0] = NULL;
  free(r);
  interior = (char *)malloc(100) + 40;
  one_past = (char *)malloc(16) + 16;
  as_int.i = (uintptr_t)malloc(24);
  hidden = (uintptr_t)malloc(32) ^ 0x5555555555555555u;
  in_mmap = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  in_mmap[7] = malloc(40);
  big = malloc(1 << 20); *(void **)(big + (1 << 20) - 8) = malloc(48);
  if (posix_memalign((void **)&aligned, 4096, 200) == 0) *(void **)(aligned + 64) = malloc(56);
  void *zero = malloc(0); zero = NULL; (void)zero;
  /* shared memory of the program's own: Valgrind reads it (round 5's fix) */
  void **shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared != MAP_FAILED) shared[5] = malloc(64);
}

int main(void) {
  make_leaks();
  /* a dlopen'd library's TLS (dynamic TLS, the loader's malloc) */
  void *lib = dlopen(getenv("LEAKS_TLSLIB"), RTLD_NOW);
  if (lib) { void (*set)(void) = (void (*)(void))dlsym(lib, "tls_set"); if (set) set(); }
  pthread_t t, s;
  if (pipe(pipefd) || pthread_barrier_init(&started, NULL, 2)) return 1;
  pthread_create(&t, NULL, holder, NULL);
  pthread_barrier_wait(&started);
  pthread_create(&s, NULL, short_lived, NULL);
  pthread_join(s, NULL);
  exit(0);
}

/* api_edge.h — api_seq.c's fixed part: every function of the API with every edge-case
 * argument, in a fixed order (included by api_seq.c, which has the helpers). */

void cfree_old(void *);
__asm__(".symver cfree_old, cfree@GLIBC_2.2.5");

static const size_t few_sizes[] = {0, 1, 100, 5000, 200000, (size_t)1 << 40, PTRDIFF_MAX,
                                   (size_t)PTRDIFF_MAX + 1, SIZE_MAX - 4096, SIZE_MAX};
#define N_FEW (sizeof few_sizes / sizeof few_sizes[0])

static void edge_alloc(struct log *lg) {
  char call[128];
  void *p;
  int e;
  for (size_t i = 0; i < N_EDGE_SIZES; i++) {
    size_t n = edge_sizes[i];
    errno = SENTINEL; p = malloc(n); e = errno;
    snprintf(call, sizeof call, "malloc(%zu)", n);
    outcome(lg, call, p, e, 16, n, 0);
    if (p) fill(p, n, 1);
    free(p);
  }
  static const size_t pairs[][2] = {
    {0, 0}, {0, 1}, {1, 0}, {0, SIZE_MAX}, {SIZE_MAX, 0}, {1, SIZE_MAX}, {SIZE_MAX, 1},
    {2, SIZE_MAX / 2}, {2, SIZE_MAX / 2 + 1}, {HALF, 2}, {65536, 65536}, {1 << 20, 1 << 20},
    {1, PTRDIFF_MAX}, {1, (size_t)PTRDIFF_MAX + 1}, {16, 1 << 30}, {3, SIZE_MAX / 3},
    {3, SIZE_MAX / 3 + 1}, {4096, 33}, {7, 9}, {1 << 16, 2}, {(size_t)1 << 32, (size_t)1 << 32},
  };
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    errno = SENTINEL; p = calloc(pairs[i][0], pairs[i][1]); e = errno;
    snprintf(call, sizeof call, "calloc(%zu, %zu)", pairs[i][0], pairs[i][1]);
    outcome(lg, call, p, e, 16, pairs[i][0] * pairs[i][1], 1);
    free(p);
  }
  /* memalign, aligned_alloc, posix_memalign: every alignment with a few sizes */
  for (size_t i = 0; i < N_ALIGNS; i++)
    for (size_t j = 0; j < N_FEW; j++) {
      size_t a = aligns[i], n = few_sizes[j];
      errno = SENTINEL; p = memalign(a, n); e = errno;
      snprintf(call, sizeof call, "memalign(%zu, %zu)", a, n);
      outcome(lg, call, p, e, memalign_align(a), n, 0);
      if (p) fill(p, n, 2);
      free(p);
      errno = SENTINEL; p = aligned_alloc(a, n); e = errno;
      snprintf(call, sizeof call, "aligned_alloc(%zu, %zu)", a, n);
      outcome(lg, call, p, e, memalign_align(a), n, 0);
      if (p) fill(p, n, 3);
      free(p);
      void *m = &p;
      errno = SENTINEL;
      int rc = posix_memalign(&m, a, n);
      e = errno;
      snprintf(call, sizeof call, "posix_memalign(%zu, %zu) = %s", a, n, rc ? err(rc) : "0");
      if (rc) {
        say(lg, "%s errno=%s%s", call, err(e), m == (void *)&p ? "" : " memptr changed");
      } else {
        outcome(lg, call, m, e, a < 16 ? 16 : a, n, 0);
        fill(m, n, 4);
        free(m);
      }
    }
  for (size_t i = 0; i < N_EDGE_SIZES; i++) {
    size_t n = edge_sizes[i];
    errno = SENTINEL; p = valloc(n); e = errno;
    snprintf(call, sizeof call, "valloc(%zu)", n);
    outcome(lg, call, p, e, PAGE, n, 0);
    if (p) fill(p, n, 5);
    free(p);
    errno = SENTINEL; p = pvalloc(n); e = errno;
    snprintf(call, sizeof call, "pvalloc(%zu)", n);
    size_t r = n + PAGE - 1 < n ? n : (n + PAGE - 1) / PAGE * PAGE;
    outcome(lg, call, p, e, PAGE, r, 0);
    if (p) fill(p, r, 6);   /* pvalloc's whole pages are the program's */
    free(p);
  }
}

/* realloc and reallocarray of NULL, and of blocks of several sizes to every edge size */
static void edge_realloc(struct log *lg) {
  static const size_t from[] = {0, 1, 100, 5000, 200000, 3u << 20};
  char call[128];
  void *p;
  int e;
  for (size_t i = 0; i < N_EDGE_SIZES; i++) {
    size_t n = edge_sizes[i];
    errno = SENTINEL; p = realloc(NULL, n); e = errno;
    snprintf(call, sizeof call, "realloc(NULL, %zu)", n);
    outcome(lg, call, p, e, 16, n, 0);
    free(p);
  }
  for (size_t f = 0; f < sizeof from / sizeof from[0]; f++)
    for (size_t i = 0; i < N_EDGE_SIZES; i++) {
      size_t old = from[f], n = edge_sizes[i];
      unsigned char *b = malloc(old);
      if (!b) { say(lg, "malloc(%zu) failed", old); continue; }
      fill(b, old, 7);
      errno = SENTINEL; p = realloc(b, n); e = errno;
      snprintf(call, sizeof call, "realloc(block of %zu, %zu)", old, n);
      outcome(lg, call, p, e, 16, n, 0);
      if (p) {
        if (!intact(p, old < n ? old : n, 7)) say(lg, "  content not kept");
        free(p);
      } else if (n) {
        if (!intact(b, old, 7)) say(lg, "  old block not intact");
        free(b);
      }
    }
  static const size_t pairs[][2] = {
    {0, 0}, {1, 0}, {0, 1}, {1, 1}, {10, 10}, {SIZE_MAX, 2}, {2, SIZE_MAX}, {HALF, 2},
    {1, PTRDIFF_MAX}, {(size_t)1 << 32, (size_t)1 << 32}, {1000, 1000}, {3, SIZE_MAX / 3 + 1},
  };
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
    for (int had = 0; had < 2; had++) {
      unsigned char *b = had ? malloc(300) : NULL;
      if (b) fill(b, 300, 8);
      size_t t = 0;
      int over = __builtin_mul_overflow(pairs[i][0], pairs[i][1], &t);
      errno = SENTINEL; p = reallocarray(b, pairs[i][0], pairs[i][1]); e = errno;
      snprintf(call, sizeof call, "reallocarray(%s, %zu, %zu)", had ? "block of 300" : "NULL", pairs[i][0], pairs[i][1]);
      outcome(lg, call, p, e, 16, over ? 0 : t, 0);
      if (p) {
        if (b && !intact(p, t < 300 ? t : 300, 8)) say(lg, "  content not kept");
        free(p);
      } else if (b && (over || t)) {
        if (!intact(b, 300, 8)) say(lg, "  old block not intact");
        free(b);
      }
    }
}

/* The text fd 2 gets while f runs, in buf. */
static void capture_stderr(void (*f)(void), char *buf, size_t cap) {
  FILE *tmp = tmpfile();
  buf[0] = 0;
  if (!tmp) return;
  fflush(stderr);
  int saved = dup(2);
  dup2(fileno(tmp), 2);
  f();
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  rewind(tmp);
  size_t k = fread(buf, 1, cap - 1, tmp);
  buf[k] = 0;
  fclose(tmp);
}
static void call_malloc_stats(void) { malloc_stats(); }

/* Each line of text with its digits dropped: the labels, not the figures. */
static void say_labels(struct log *lg, const char *what, char *text) {
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    char l[256];
    size_t k = 0;
    for (const char *c = line; *c && k + 1 < sizeof l; c++)
      if ((*c < '0' || *c > '9') && !(k && l[k - 1] == ' ' && *c == ' ')) l[k++] = *c;
    l[k] = 0;
    say(lg, "%s| %s", what, l);
  }
}

/* mallinfo2 in a fresh process (before any free raises glibc's dynamic mmap threshold):
 * the relations glibc's figures keep, not the figures. */
static void edge_mallinfo(struct log *lg) {
  struct mallinfo2 m0 = mallinfo2();
  say(lg, "mallinfo2: arena == uordblks + fordblks: %s; hblks %s", m0.arena == m0.uordblks + m0.fordblks ? "yes" : "no",
      m0.hblks ? "> 0" : "0");
  void *big = malloc(8u << 20);
  struct mallinfo2 m1 = mallinfo2();
  struct mallinfo mo = mallinfo();
  say(lg, "malloc(8 MiB): hblks %+ld, hblkhd grew by >= 8 MiB: %s; mallinfo's hblks the same: %s",
      (long)(m1.hblks - m0.hblks), m1.hblkhd >= m0.hblkhd + (8u << 20) ? "yes" : "no",
      (size_t)mo.hblks == m1.hblks ? "yes" : "no");
  free(big);
  struct mallinfo2 m2 = mallinfo2();
  say(lg, "free(it): hblks %+ld", (long)(m2.hblks - m0.hblks));
}

static void edge_misc(struct log *lg) {
  int e;
  errno = SENTINEL;
  free(NULL);
  say(lg, "free(NULL) errno=%s", err(errno));
  errno = SENTINEL;
  size_t u = malloc_usable_size(NULL);
  e = errno;
  say(lg, "malloc_usable_size(NULL) -> %zu errno=%s", u, err(e));
  /* cfree: glibc 2.36 keeps it for programs linked against an older one only (a
   * compat symbol, cfree@GLIBC_2.2.5): cfree_old is such a reference.  (dlvsym would
   * ask for that version exactly, which a preloaded library's own unversioned cfree
   * does not have: it would find glibc's.  Linked statically, such a reference still
   * binds to glibc's: API_SEQ_NO_CFREE.) */
#ifndef API_SEQ_NO_CFREE
  void *p = malloc(77);
  errno = SENTINEL;
  cfree_old(p);
  cfree_old(NULL);
  say(lg, "cfree(block), cfree(NULL) errno=%s", err(errno));
#else
  say(lg, "cfree(block), cfree(NULL) errno=-");
#endif
  /* errno on success, freeing every kind of block */
  static const size_t kinds[] = {8, 5000, 300000, 5u << 20};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    void *p = malloc(kinds[i]);
    void *q = realloc(p, kinds[i] * 2);
    if (q) p = q;
    errno = SENTINEL;
    free(p);
    say(lg, "free(block of %zu, realloc'd) errno=%s", kinds[i] * 2, err(errno));
  }

  char text[8192];
  errno = SENTINEL;
  capture_stderr(call_malloc_stats, text, sizeof text);
  e = errno;
  say(lg, "malloc_stats() errno=%s", err(e));
  say_labels(lg, "malloc_stats", text);

  for (int opt = -1; opt <= 2; opt++) {
    FILE *f = tmpfile();
    if (!f) break;
    errno = SENTINEL;
    int rc = malloc_info(opt, f);
    e = errno;
    long len = ftell(f);
    char first[64] = "";
    rewind(f);
    if (!fgets(first, sizeof first, f)) first[0] = 0;
    first[strcspn(first, "\n")] = 0;
    fclose(f);
    say(lg, "malloc_info(%d) = %s errno=%s, %s; first line '%s'", opt, rc ? err(rc) : "0", err(e),
        len > 0 ? "wrote" : "wrote nothing", first);
  }

  for (int pad = 0; pad < 2; pad++) {
    errno = SENTINEL;
    int rc = malloc_trim(pad ? SIZE_MAX : 0);
    e = errno;
    say(lg, "malloc_trim(%s) = %s errno=%s", pad ? "SIZE_MAX" : "0", rc == 0 || rc == 1 ? "0 or 1" : "other", err(e));
  }

  static const int params[] = {M_MXFAST, M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD, M_MMAP_MAX,
                               M_CHECK_ACTION, M_PERTURB, M_ARENA_TEST, M_ARENA_MAX,
                               0, 2, 3, -9, 100, INT_MAX, INT_MIN};
  static const int values[] = {0, 1, -1, 2, 64, 80, 160, 161, 4096, 1 << 20, 32 << 20, (32 << 20) + 1,
                               INT_MAX, INT_MIN};
  for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
    for (size_t j = 0; j < sizeof values / sizeof values[0]; j++) {
      errno = SENTINEL;
      int rc = mallopt(params[i], values[j]);
      e = errno;
      say(lg, "mallopt(%d, %d) = %d errno=%s", params[i], values[j], rc, err(e));
      /* the setting works: blocks still come and go */
      void *a = malloc(100), *b = malloc(300000);
      if (!a || !b) say(lg, "  malloc failed after it");
      free(a);
      free(b);
    }
  /* back to glibc's defaults, as far as a program can tell */
  mallopt(M_MXFAST, 128);
  mallopt(M_PERTURB, 0);
  mallopt(M_MMAP_MAX, 65536);
  mallopt(M_TOP_PAD, 128 << 10);
  mallopt(M_TRIM_THRESHOLD, 128 << 10);
  mallopt(M_MMAP_THRESHOLD, 128 << 10);
}

static void edge_cases(struct log *lg) {
  say(lg, "== edge cases");
  edge_mallinfo(lg);
  edge_alloc(lg);
  edge_realloc(lg);
  edge_misc(lg);
}

# heapguard — build, test and install.  `make help` lists the targets.
#
# Build modes (MODE=...): release (default), debug (internal invariant checks on,
# -O1 -g), ubsan (UBSan on the allocator itself, aborting on the first report).
# Every mode builds into its own directory, so they can coexist.

MODE    ?= release
CC      ?= gcc
PREFIX  ?= /usr/local
BUILD   ?= build$(if $(filter release,$(MODE)),,-$(MODE))
VERSION := 0.1.0

# Tools and Debian packages the build and the tests need.  `make deps` installs the
# missing ones with apt-get when run as root, and prints the command otherwise.
DEPS_TOOLS := gcc:gcc make:make python3:python3 sqlite3:sqlite3 git:git strace:strace \
              cppcheck:cppcheck pkg-config:pkg-config
# Libraries check mode loads at run time (libunwind for stacks, elfutils' libdw for
# symbols), checked by their headers, which the build uses: path:package.
MULTIARCH  := $(shell $(CC) -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
DEPS_FILES := /usr/include/$(MULTIARCH)/libunwind.h:libunwind-dev /usr/include/elfutils/libdwfl.h:libdw-dev
DEPS_PKGS  := $(sort $(foreach t,$(DEPS_TOOLS) $(DEPS_FILES),$(word 2,$(subst :, ,$(t)))))

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
# The allocator must never call itself: gcc may turn malloc+memset into calloc, or
# recognise our own functions as builtins, so those builtins are switched off.
NOBUILTIN := -fno-builtin-malloc -fno-builtin-calloc -fno-builtin-realloc -fno-builtin-free
LIBFLAGS := -std=gnu11 $(WARN) $(NOBUILTIN) -fPIC -fvisibility=hidden -pthread \
            -ftls-model=initial-exec -fno-plt -fno-semantic-interposition \
            -fno-stack-protector -ffunction-sections -Iinclude -Isrc -DHG_VERSION='"$(VERSION)"'
ifeq ($(MODE),release)
  LIBFLAGS += -O2 -g -DNDEBUG
else ifeq ($(MODE),debug)
  LIBFLAGS += -O1 -g -DHG_DEBUG=1
else ifeq ($(MODE),ubsan)
  LIBFLAGS += -O1 -g -DHG_DEBUG=1 -fsanitize=undefined -fno-sanitize-recover=all \
              -fno-sanitize=alignment
  LIBLDFLAGS += -fsanitize=undefined
else
  $(error unknown MODE=$(MODE): use release, debug or ubsan)
endif

# `make V=1` shows the full commands.
Q := $(if $(V),,@)

SRCS := $(sort $(wildcard src/*.c))
# Link order: the files whose code the default mode runs come first, so that code is
# contiguous at the start of the text and its pages are few (with -ffunction-sections,
# the linker keeps this order within .text; HG_DEFAULT_TEXT in internal.h gathers the
# other modes' start hooks ahead of it).  See docs/architecture.md, "Resident memory".
# pagemap last: the order is .bss's too, and its 3 MiB root between the others' variables
# made the ones the default mode writes span three pages instead of two.
CORE := api cxx heap region region_large meta os lock init sizeclass options compat pagemap
OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(addprefix src/,$(addsuffix .c,$(CORE))) \
          $(filter-out $(addprefix src/,$(addsuffix .c,$(CORE))),$(SRCS)))
LIB_SO := $(BUILD)/libheapguard.so
LIB_A  := $(BUILD)/libheapguard.a
CLI    := $(BUILD)/heapguard

.PHONY: all deps test-deps lib test check-deps install uninstall clean help demo lint examples
all: $(LIB_SO) $(LIB_A) $(CLI)

help:
	@echo "make            build $(LIB_SO) and $(LIB_A)"
	@echo "make test       build and run every test (MODE=debug|ubsan for other builds)"
	@echo "make fuzz       the fuzzers of tests/fuzz (clang's libFuzzer), FUZZ_TIME=60 s each"
	@echo "make demo       the README's main job: heapguard catching heap bugs"
	@echo "make examples   build examples/*.c; make example-NAME runs one under heapguard"
	@echo "make install    install library, header, pkg-config file (PREFIX=$(PREFIX))"
	@echo "make lint       cppcheck on the allocator's sources"
	@echo "make bench      heapguard vs glibc, jemalloc, mimalloc, tcmalloc -> bench/results/"
	@echo "make bench-smoke / bench-callgrind   the quick run (CI) / instructions per malloc+free"
	@echo "make deps       install the Debian packages the build and tests need"
	@echo "make test-deps  install the Debian packages only the tests need (chromium, clang, g++, ripgrep)"

# ---- dependencies -----------------------------------------------------------------
# A stamp keeps the check to once per build directory; delete it to check again.
$(BUILD)/.deps:
	@mkdir -p $(BUILD)
	@missing=""; for t in $(DEPS_TOOLS); do \
	   cmd=$${t%%:*}; pkg=$${t#*:}; \
	   command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	 for t in $(DEPS_FILES); do \
	   f=$${t%%:*}; pkg=$${t#*:}; [ -e $$f ] || missing="$$missing $$pkg"; done; \
	 if [ -n "$$missing" ]; then \
	   if [ "$$(id -u)" = 0 ]; then \
	     echo "installing:$$missing"; \
	     apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing || exit 1; \
	   else \
	     echo "missing packages; run: sudo apt-get install -y$$missing"; exit 1; \
	   fi; fi
	@touch $@
deps: $(BUILD)/.deps

# Packages only the tests need: chromium renders `heapguard report`'s pages in
# tests/programs/report.sh; clang builds the library a second way in
# tests/programs/clang.sh; g++ compiles a C++ program in tests/programs/modes.sh
# (check mode on cc1plus and on libstdc++'s new/delete); rg, a Rust program, runs in
# tests/programs/rust.sh.  Installed like the build's (apt-get as root, else the command
# is printed); those tests fail in CI (CI=true) without them.
TEST_DEPS_TOOLS := chromium:chromium clang:clang g++:g++ rg:ripgrep
$(BUILD)/.test-deps: | $(BUILD)/.deps
	@missing=""; for t in $(TEST_DEPS_TOOLS); do \
	   cmd=$${t%%:*}; pkg=$${t#*:}; \
	   command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	 if [ -n "$$missing" ]; then \
	   if [ "$$(id -u)" = 0 ]; then \
	     echo "installing (for the tests):$$missing"; \
	     apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing || exit 1; \
	   else \
	     echo "missing packages for the tests; run: sudo apt-get install -y$$missing"; exit 1; \
	   fi; fi
	@touch $@
test-deps: $(BUILD)/.test-deps

# ---- the library ------------------------------------------------------------------
# The CORE objects' constants (.rodata and .rodata.cstN: jump tables, vector constants,
# the size-class and option tables, 256 bytes; not their strings) are renamed into
# .data.rel.ro: read-only once relocated, like .rodata, and in the page the loader
# writes in every process anyway, where a page of their own cost 4 KiB (see
# src/heapguard.ld.in).  The objects depend on the Makefile for this step.
OBJCOPY   ?= objcopy
HOT_CONST := $(foreach s,.rodata .rodata.cst4 .rodata.cst8 .rodata.cst16 .rodata.cst32, \
               --rename-section $(s)=.data.rel.ro.hg_const$(s),alloc,load,contents,data)
$(BUILD)/obj/%.o: src/%.c $(wildcard src/*.h) include/heapguard.h Makefile | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(LIBFLAGS) -c $< -o $@
	$(if $(filter $*,$(CORE)),$(Q)$(OBJCOPY) $(HOT_CONST) $@)

# No DT_FINI: crtn's empty _fini sits at the far end of the text, and the loader's call
# to it at exit mapped a 64 KiB window of the library's pages (destructors run from
# .fini_array, which stays).  -fini= names a symbol that does not exist.
NOFINI := -Wl,-fini=hg_no_dt_fini
# Relative relocations packed (DT_RELR, binutils 2.38 and glibc 2.36 on): the pointer
# tables' 222 relocations take 72 bytes instead of 5 KiB, and the headers that the
# loader reads in every process one page fewer.  Left out where the linker lacks it
# (ld then only warns) or the C library does not provide GLIBC_ABI_DT_RELR (ld then
# leaves the relocations unpacked itself).
RELR := $(shell printf 'int x; int *p = &x;\n' | $(CC) -shared -fPIC -x c - -o /dev/null \
          -Wl,-z,pack-relative-relocs -Wl,--fatal-warnings 2>/dev/null && echo -Wl,-z,pack-relative-relocs)

# The library's layout (src/heapguard.ld.in): the default mode's code and constants in
# mappings of their own, everything else in mappings that process never touches.
LDSCRIPT := $(BUILD)/heapguard.ld
$(LDSCRIPT): src/heapguard.ld.in Makefile
	@mkdir -p $(dir $@)
	$(Q)sed -e 's|@CORE@|$(foreach o,$(CORE),*/$(o).o)|' $< > $@

$(LIB_SO): $(OBJS) $(LDSCRIPT)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) -shared -pthread $(LIBLDFLAGS) -Wl,-z,now,-z,nodelete $(RELR) -Wl,-soname,libheapguard.so $(NOFINI) \
	  -Wl,-T,$(LDSCRIPT) -o $@ $(OBJS)

# The archive leaves out dlopen.c's dlopen: in a program linked with -static, glibc's
# static dlopen is the only one, and the wrapper, taking the place of it, found none to
# go on to (dlsym RTLD_NEXT): heapguard's own dlopen of libunwind failed.
A_OBJS := $(filter-out $(BUILD)/obj/dlopen.o,$(OBJS))
$(LIB_A): $(A_OBJS)
	$(if $(Q),@echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $(A_OBJS)

lib: $(LIB_SO) $(LIB_A)

# ---- the command line (build/heapguard) -------------------------------------------
# An ordinary program, not part of the library: its sources live under src/cli/, out of
# the library's src/*.c.
CLI_SRCS := $(sort $(wildcard src/cli/*.c))
CLIFLAGS := -std=gnu11 $(WARN) -O2 -g -DHG_VERSION='"$(VERSION)"'

# report.c builds in the page template src/cli/report.html (.incbin, from this directory).
$(CLI): $(CLI_SRCS) $(wildcard src/cli/*.h) src/numparse.h src/supp_parse.h src/cli/report.html | $(BUILD)/.deps
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CLIFLAGS) -o $@ $(CLI_SRCS)

# ---- tests ------------------------------------------------------------------------
# tests/run.sh builds the test programs into $(BUILD)/tests and runs them; it ends
# with the line "N passed, N failed, N skipped".
# The API tests also run against a UBSan build of the library ($(BUILD)-ubsan/, named
# explicitly: a BUILD=dir given on the command line would reach the sub-make too).
test: $(BUILD)/.test-deps $(LIB_SO) $(LIB_A) $(CLI)
	$(if $(filter release,$(MODE)),$(MAKE) --no-print-directory MODE=ubsan BUILD=$(BUILD)-ubsan lib)
	BUILD=$(BUILD) CC=$(CC) MODE=$(MODE) \
	  HG_UBSAN_LIB=$(if $(filter release,$(MODE)),$(abspath $(BUILD))-ubsan/libheapguard.so) \
	  bash tests/run.sh

# Fuzzing, not part of `make test` (which replays the corpus: tests/programs/fuzz_smoke.sh):
# each libFuzzer driver of tests/fuzz for FUZZ_TIME seconds (clang), then FUZZ_CLI_RUNS
# random command lines for the CLI.
FUZZ_TIME ?= 60
FUZZ_CLI_RUNS ?= 20000
.PHONY: fuzz
fuzz: $(LIB_SO) $(CLI)
	bash tests/fuzz/run.sh $(BUILD) $(FUZZ_TIME) $(FUZZ_CLI_RUNS)

demo: $(LIB_SO) $(LIB_A) $(CLI)
	BUILD=$(BUILD) bash examples/demo.sh

# ---- examples/: the seed's programs, each run from the README with one command ------
# Built as demo.sh builds them (plain gcc: heapguard needs no recompiling).
# `make example-NAME` builds examples/NAME.c and runs it under the heapguard command
# that shows it best: the heap's kernel calls under trace, the fragmentation challenge
# under stats, the seed's four bugs in check mode and the read after free in guard mode
# (for the bugs, the report and a nonzero exit status are the point).
EXAMPLES := $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))
EXAMPLE_CMD = $(or $(if $(filter uaf double_free overflow leak,$*),check), \
                   $(if $(filter uaf_read,$*),guard), \
                   $(if $(filter heap_intro big_alloc mallopt_threshold,$*),trace), \
                   $(if $(filter fragmentation,$*),stats),run)
EXAMPLE_ARGS_invalid_free := interior

$(BUILD)/examples/%: examples/%.c | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) -g -O0 -w -o $@ $<   # -w: some contain their bugs on purpose

examples: $(EXAMPLES)

example-%: $(BUILD)/examples/% $(LIB_SO) $(CLI)
	@echo '$$ $(CLI) $(EXAMPLE_CMD) -- $< $(EXAMPLE_ARGS_$*)'
	@$(CLI) $(EXAMPLE_CMD) -- $< $(EXAMPLE_ARGS_$*); echo "(exit status $$?)"

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --inline-suppr -Iinclude -Isrc --suppress=missingIncludeSystem src

# ---- benchmarks (bench/README.md) -----------------------------------------------
include bench/bench.mk

# ---- install ----------------------------------------------------------------------
install: $(LIB_SO) $(LIB_A) $(CLI)
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/share/man/man3
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(CLI) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/heapguard.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 755 $(LIB_SO) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/heapguard.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 man/heapguard.3 $(DESTDIR)$(PREFIX)/share/man/man3/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' heapguard.pc.in \
	  > $(DESTDIR)$(PREFIX)/lib/pkgconfig/heapguard.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libheapguard.so $(DESTDIR)$(PREFIX)/lib/libheapguard.a \
	  $(DESTDIR)$(PREFIX)/include/heapguard.h $(DESTDIR)$(PREFIX)/lib/pkgconfig/heapguard.pc \
	  $(DESTDIR)$(PREFIX)/share/man/man3/heapguard.3
	rm -f $(DESTDIR)$(PREFIX)/bin/heapguard $(DESTDIR)$(PREFIX)/share/man/man1/heapguard.1

clean:
	rm -rf build build-debug build-ubsan

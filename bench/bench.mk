# bench/bench.mk — the benchmark suite's make targets (included by the top Makefile,
# after LIB_SO, BUILD and CC are defined).
#
#   make bench            full run: every workload x every allocator, 5 runs each
#                         -> bench/results/latest.{md,csv,svg} (BENCH_ARGS="--runs 7 --only churn,random" ...)
#   make bench-smoke      the same at tiny sizes, 1 run, < 60 s (CI): skips missing peers
#                         -> bench/results/smoke/
#   make bench-callgrind  instructions per malloc+free pair -> bench/results/callgrind.{md,csv}
#   make bench-check      check mode vs glibc, AddressSanitizer and memcheck -> bench/results/check-overhead.{md,csv}
#   make bench-guard      sampled guard mode vs the default mode, guard mode vs Electric Fence
#                         -> bench/results/guard-overhead.{md,csv} (installs electric-fence as root)
#                         (CG_ARGS="--n 100000 --alloc glibc,heapguard" ...)
#   make bench-deps       install the peer allocators, valgrind and redis (root) or print how
#
# The workloads are built with gcc -O2 -pthread into $(BUILD)/bench/.

BENCH_BUILD  := $(BUILD)/bench
BENCH_CFLAGS := -O2 -pthread -Wall -Wextra
BENCH_PROGS  := $(patsubst bench/%.c,$(BENCH_BUILD)/%,$(sort $(wildcard bench/wl_*.c))) \
                $(BENCH_BUILD)/measure $(BENCH_BUILD)/cg_pairs $(BENCH_BUILD)/thread_start
BENCH_RUN    := python3 bench/run.py --lib $(LIB_SO) --bin-dir $(BENCH_BUILD)
BENCH_CG     := python3 bench/callgrind.py --lib $(LIB_SO) --bin-dir $(BENCH_BUILD)
BENCH_ARGS   ?=
CG_ARGS      ?=
GUARD_ARGS   ?=

# Debian packages of the peers and tools, each with a file that shows it is installed.
BENCH_DEPS := libjemalloc2:/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 \
              libmimalloc2.0:/usr/lib/x86_64-linux-gnu/libmimalloc.so.2 \
              libtcmalloc-minimal4:/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 \
              valgrind:/usr/bin/valgrind redis-server:/usr/bin/redis-server \
              redis-tools:/usr/bin/redis-benchmark sqlite3:/usr/bin/sqlite3

.PHONY: bench bench-smoke bench-callgrind bench-deps bench-progs bench-check bench-guard

$(BENCH_PROGS): $(BENCH_BUILD)/%: bench/%.c bench/wl_common.h
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(BENCH_CFLAGS) -o $@ $<

bench-progs: $(BENCH_PROGS)

# Installs what is missing when run as root; otherwise prints the command and goes on
# (the runner skips the allocators and programs it cannot find).
bench-deps:
	@missing=""; for d in $(BENCH_DEPS); do \
	   [ -e "$${d#*:}" ] || missing="$$missing $${d%%:*}"; done; \
	 if [ -n "$$missing" ]; then \
	   if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	     echo "bench: installing$$missing"; \
	     apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing \
	       || echo "bench: could not install$$missing; the runner will skip what is missing"; \
	   else \
	     echo "bench: missing$$missing; to compare against every peer run:"; \
	     echo "  sudo apt-get install -y$$missing"; \
	   fi; fi

bench: $(LIB_SO) $(BENCH_PROGS) bench-deps
	$(BENCH_RUN) $(BENCH_ARGS)

# No dependency installation here: CI runs it with whatever is on the machine.
bench-smoke: $(LIB_SO) $(BENCH_PROGS)
	$(BENCH_RUN) --smoke $(BENCH_ARGS)
	$(BENCH_CG) --smoke
	python3 bench/check_overhead.py --smoke --no-valgrind
	python3 bench/guard_overhead.py --smoke --no-efence --lib $(LIB_SO) --bin-dir $(BENCH_BUILD)

# Check mode against glibc, AddressSanitizer (the workloads rebuilt) and Valgrind's memcheck -> bench/results/check-overhead.{md,csv}
bench-check: $(LIB_SO) $(BENCH_PROGS)
	python3 bench/check_overhead.py

# Guard mode: sampled against the default mode, full against Electric Fence
# -> bench/results/guard-overhead.{md,csv}
bench-guard: $(LIB_SO) $(BENCH_PROGS)
	python3 bench/guard_overhead.py --lib $(LIB_SO) --bin-dir $(BENCH_BUILD) $(GUARD_ARGS)

bench-callgrind: $(LIB_SO) $(BENCH_BUILD)/cg_pairs bench-deps
	$(BENCH_CG) $(CG_ARGS)

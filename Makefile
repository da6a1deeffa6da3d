# The two commands of the README's Quick start: `make run` and `make test`.
# Both first install any missing Debian package (when run as root), then build with CMake.

DEBIAN_PACKAGES := cmake make g++ libgtest-dev libgmock-dev libbenchmark-dev \
                   libeigen3-dev libopenblas-dev libcli11-dev nlohmann-json3-dev zlib1g-dev graphviz
# Only the benchmarks need these: the peers measured side by side (Ceres Solver's Jet for
# forward mode, ADOL-C for reverse mode, SymPy for symbolic mode, libtorch for tensors) and
# python3 for the report.
BENCH_PACKAGES  := libceres-dev libadolc-dev libtorch-dev python3 python3-sympy
# Only the fuzzers need these: clang and its runtime libraries, libFuzzer's among them.
FUZZ_PACKAGES   := clang-14 libclang-rt-14-dev

NABLA := build/release/tools/nabla/nabla

.PHONY: all setup setup-bench build run test sanitize fuzz bench format clean

all: build

define install_missing
	@missing=""; \
	for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "missing Debian packages:$$missing (run as root, or: sudo apt-get install$$missing)"; exit 1; \
	  fi; \
	fi
endef

setup:
	$(call install_missing,$(DEBIAN_PACKAGES))

setup-bench: setup
	$(call install_missing,$(BENCH_PACKAGES))

build: setup
	cmake --preset release
	cmake --build --preset release

run: build
	$(NABLA) tour

test: build
	ctest --preset release

sanitize: setup
	cmake --preset sanitize
	cmake --build --preset sanitize
	ctest --preset sanitize

# Each fuzzer runs its seconds (name:seconds in FUZZERS) on a copy of its committed corpus
# (tests/fuzz/corpus/, left as it is), with its dictionary where there is one, and fails the
# target on a crash, a leak, an input slower than 10 s or over 2 GB. The input that failed is
# left in build/fuzz/artifacts/; rerun it with the fuzzer and its path.
FUZZERS := parse:60 cli:60 safetensors:30 idx:30

fuzz: setup
	$(call install_missing,$(FUZZ_PACKAGES))
	cmake --preset fuzz
	cmake --build --preset fuzz
	@mkdir -p build/fuzz/artifacts
	@for entry in $(FUZZERS); do \
	  name=$${entry%%:*}; seconds=$${entry##*:}; \
	  dict=""; [ -f tests/fuzz/$$name.dict ] && dict="-dict=tests/fuzz/$$name.dict"; \
	  [ "$$name" = cli ] && dict="-dict=tests/fuzz/parse.dict"; \
	  rm -rf build/fuzz/corpus/$$name && mkdir -p build/fuzz/corpus/$$name && \
	  cp tests/fuzz/corpus/$$name/* build/fuzz/corpus/$$name/ && \
	  echo "fuzzing $$name for $$seconds s (log: build/fuzz/$$name.log)" && \
	  if ! build/fuzz/tests/fuzz/nabla_$${name}_fuzz build/fuzz/corpus/$$name $$dict \
	       -max_total_time=$$seconds -rss_limit_mb=2048 \
	       -timeout=10 -print_final_stats=1 -artifact_prefix=build/fuzz/artifacts/$$name- \
	       > build/fuzz/$$name.log 2>&1; then \
	    tail -n 60 build/fuzz/$$name.log; echo "fuzz: $$name failed"; exit 1; \
	  fi; \
	  grep -E '^(#[0-9]+ +DONE|Done|stat::number_of_executed_units|stat::average_exec_per_sec)' \
	    build/fuzz/$$name.log; \
	done

# One thread for OpenBLAS from the start: its worker threads, even idle, slowed the
# single-threaded cases of the same process by up to half on a 2-core machine (the tensor cases
# run on one thread anyway, as does libtorch there).
bench: setup-bench
	cmake --preset bench
	cmake --build --preset bench
	OPENBLAS_NUM_THREADS=1 build/bench/bench/nabla_bench --benchmark_repetitions=5 --benchmark_min_time=0.2 --benchmark_report_aggregates_only=true \
	  --benchmark_out=build/bench/results.json --benchmark_out_format=json
	python3 bench/sympy_bench.py --out build/bench/sympy.json
	python3 bench/report.py build/bench/results.json --sympy build/bench/sympy.json

format:
	clang-format -i $$(git ls-files '*.hpp' '*.cpp')

clean:
	rm -rf build

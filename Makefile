# cadet: one entry point for build, deps, tests, scenarios, datasets, bench.
#
#   make                 build build/cadet (BPF objects, skeletons, binary)
#   make deps            install the Debian packages build and tests need
#   make test            unit, golden, fuzz (bounded) and integration tests
#   make scenario-NAME   run scenarios/NAME.ini end to end
#   make bench           overhead benchmark -> reports/bench/bench.md
#   make SAN=1 ...       the same with ASan + UBSan (objects in build-san/)
#   make WERROR=1 ...    warnings are errors (CI builds this way)

SHELL := /bin/bash
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer
else
BUILD ?= build
SANFLAGS :=
endif

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	  -D_GNU_SOURCE -Iinclude -I. -I$(BUILD) $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
LDLIBS := -lbpf -lelf -lz -lzstd -lpcap -linih -ljansson -lzip -lcrypto -lmicrohttpd -lpthread -lm
BPF_CFLAGS := -g -O2 -Wall -target bpf -D__TARGET_ARCH_$(ARCH) -Ibpf -I$(BUILD)
ifeq ($(WERROR),1)
CFLAGS += -Werror
BPF_CFLAGS += -Werror
endif

# Debian packages needed to build and test (checked by `make deps`).
DEB_PKGS := clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev \
	    libpcap-dev libinih-dev libjansson-dev libcmocka-dev libzip-dev libssl-dev libmicrohttpd-dev pkg-config \
	    libclang-rt-14-dev runc debootstrap iproute2 tshark zstd \
	    python3 python3-jsonschema python3-sklearn gnuplot-nox wrk prometheus \
	    redis-tools postgresql-client
DEPS_STAMP := $(BUILD)/.deps-ok

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.skel.h,$(BPF_SRCS))

# Every module folder is compiled into libcadet.a; tools/cadet.c holds main().
LIB_SRCS := $(wildcard lib/*/*.c lib/*.c recorder/*.c injector/*.c \
	      replayer/*.c replayer/*/*.c eval/*.c reports/*.c tools/*.c)
LIB_SRCS := $(filter-out tools/cadet.c,$(LIB_SRCS))
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS)) $(BUILD)/version.o
LIBCADET := $(BUILD)/libcadet.a
CADET := $(BUILD)/cadet

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
PAYLOAD_SRCS := $(wildcard injector/payloads/*.c)
PAYLOADS := $(patsubst injector/payloads/%.c,$(BUILD)/payloads/%,$(PAYLOAD_SRCS))
# Applications the profiles run (scenarios/profiles/), beside the payloads.
PAYLOADS += $(patsubst injector/payloads/%.py,$(BUILD)/payloads/%.py,$(wildcard injector/payloads/*.py))
PLUGINS := $(patsubst tests/plugins/%.c,$(BUILD)/tests/plugins/%.so,$(wildcard tests/plugins/*.c)) \
	   $(patsubst examples/detectors/%.c,$(BUILD)/examples/%.so,$(wildcard examples/detectors/*.c))

# A failed recipe leaves no half-written target behind; BPF objects and
# skeletons are kept although only the build uses them, so that a second
# `make` after a scenario or test run has nothing to rebuild.
.DELETE_ON_ERROR:
.SECONDARY: $(BPF_OBJS) $(BPF_SKELS)

.PHONY: regress all deps test unit-test integration-test fuzz clean install rootfs \
	format bench dataset FORCE
.DEFAULT_GOAL := all

all: $(DEPS_STAMP) $(CADET) $(PAYLOADS) $(PLUGINS)

# Re-checked when the package list changes; cheap when all are present.
$(DEPS_STAMP): Makefile
	@mkdir -p $(@D)
	@missing=$$(for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing" $$missing; \
		if [ "$$(id -u)" != 0 ]; then echo "deps: need root to apt-get install:" $$missing >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@touch $@

deps:
	@rm -f $(DEPS_STAMP)
	@$(MAKE) --no-print-directory $(DEPS_STAMP)

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# The skeleton embeds the object: link it first (bpftool gen object), which
# keeps BTF and BTF.ext for CO-RE but drops DWARF (4.9 MB of 5.3 stripped).
$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(BPFTOOL) gen object $(BUILD)/bpf/$*.linked.o $<
	$(BPFTOOL) gen skeleton $(BUILD)/bpf/$*.linked.o name $*_bpf > $@

# The version for traces, results and --version (lib/util/version.h) in an
# object of its own: rewritten only when `git describe` changes, and then
# only this object recompiles and the binary relinks.
$(BUILD)/version.c: FORCE
	@mkdir -p $(@D)
	@echo 'const char cadet_version[] = "$(VERSION)";' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@
$(BUILD)/version.o: $(BUILD)/version.c
	$(CC) $(CFLAGS) -c $< -o $@

# Skeletons first: recorder sources include them.
$(BUILD)/%.o: %.c $(wildcard include/cadet/*.h) | $(BPF_SKELS) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# The rules detector compiles its default rule file in as a C string.
$(BUILD)/replayer/detectors/default_rules.inc: replayer/detectors/default.rules
	@mkdir -p $(@D)
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@
$(BUILD)/replayer/detectors/rules.o: $(BUILD)/replayer/detectors/default_rules.inc

$(LIBCADET): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# Built-in detectors are referenced weakly (replayer/registry.c), which
# does not pull them out of an archive: link their objects explicitly.
DETECTOR_OBJS := $(filter $(BUILD)/replayer/detectors/%.o,$(LIB_OBJS))
$(CADET): $(BUILD)/tools/cadet.o $(DETECTOR_OBJS) $(LIBCADET)
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

# Detector plugins: test plugins and the examples, one .so per .c.
$(BUILD)/tests/plugins/%.so: tests/plugins/%.c include/cadet/detector.h $(wildcard tests/plugins/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -shared -fPIC $< -o $@
$(BUILD)/examples/%.so: examples/detectors/%.c include/cadet/detector.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -shared -fPIC $< -o $@

$(BUILD)/payloads/%.py: injector/payloads/%.py
	@mkdir -p $(@D)
	install -m 0755 $< $@

# Payloads run inside containers: static, no dependency on the rootfs libc.
$(BUILD)/payloads/%: injector/payloads/%.c injector/payloads/payload.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -static $< -o $@ -lpthread

$(BUILD)/tests/%: tests/unit/%.c $(LIBCADET)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< -o $@ $(LIBCADET) $(LDFLAGS) $(LDLIBS) -lcmocka

# STIDE on ADFA-LD against an independent implementation (tests/adfa/).
ADFA_STIDE := $(BUILD)/tests/adfa_stide
$(ADFA_STIDE): tests/adfa/adfa_stide.c $(LIBCADET)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< -o $@ $(LIBCADET) $(LDFLAGS) $(LDLIBS)

# Fuzz targets (libFuzzer, clang): one per parser.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(FUZZ_SRCS))
FUZZ_LIB_SRCS := $(wildcard lib/*/*.c lib/*.c) recorder/containers.c \
		 replayer/detectors/rules_parse.c replayer/detectors/common.c \
		 injector/scenario.c eval/results.c
build-fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_SRCS) $(wildcard include/cadet/*.h) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) -g -O1 -D_GNU_SOURCE -Iinclude -I. -fsanitize=fuzzer,address,undefined \
		$< $(FUZZ_LIB_SRCS) -o $@ -lzstd -lz -ljansson -linih -lm

# ONLY=unit|golden|fuzz|adfa|integration narrows tests/run-all.sh to one kind.
unit-test: $(UNIT_BINS) $(CADET) $(PLUGINS)
	@ONLY=unit CADET=$(CADET) BUILD=$(BUILD) tests/run-all.sh

fuzz: $(FUZZ_BINS)
	@ONLY=fuzz tests/run-all.sh

integration-test: all rootfs
	@ONLY=integration CADET=$(CADET) BUILD=$(BUILD) tests/run-all.sh

test: all rootfs $(UNIT_BINS) $(FUZZ_BINS) $(ADFA_STIDE)
	@CADET=$(CADET) BUILD=$(BUILD) tests/run-all.sh

rootfs: $(DEPS_STAMP)
	@injector/mkrootfs.sh

scenario-%: all rootfs
	@CADET=$(CADET) tools/scenario.sh $*

# Every scenario DATASET_REPEAT times (seeds DATASET_SEED, +1, ...), then
# DATASET_NORMAL normal-only runs of each scenario's setup (same load, no
# anomaly; seeds from DATASET_SEED + 1000 so their load differs).
DATASET_REPEAT ?= 3
DATASET_NORMAL ?= 1
DATASET_SEED ?= 1
DATASET_DIR ?= datasets/runs
dataset: all rootfs
	$(CADET) run scenarios/*.ini --repeat $(DATASET_REPEAT) \
		--seed $(DATASET_SEED) -o $(DATASET_DIR)
	$(CADET) run scenarios/*.ini --normal --repeat $(DATASET_NORMAL) \
		--seed $$(($(DATASET_SEED) + 1000)) -o $(DATASET_DIR)

# Overhead benchmark (not part of `make test`): about 8 minutes, writes
# reports/bench/bench.md and bench.json (bench/run.sh, docs/bench.md).
$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra $< -o $@

bench: all rootfs $(BUILD)/bench/syscall_loop
	CADET=$(CADET) LOOP=$(BUILD)/bench/syscall_loop bench/run.sh

# The reference dataset through every built-in detector vs the baseline.
regress: all
	@CADET=$(CADET) tools/regress.sh

install: $(CADET)
	install -D -m 0755 $(CADET) $(DESTDIR)$(PREFIX)/bin/cadet
PREFIX ?= /usr/local

format:
	clang-format -i $$(git ls-files '*.c' '*.h' | grep -v vmlinux.h)

clean:
	rm -rf build build-san build-fuzz

-include $(filter-out $(BUILD)/version.d,$(LIB_OBJS:.o=.d)) $(BUILD)/tools/cadet.d

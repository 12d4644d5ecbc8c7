# cadet: one entry point for build, deps, tests, scenarios, datasets, bench.
#
#   make                 build build/cadet (BPF objects, skeletons, binary)
#   make deps            install the Debian packages build and tests need
#   make test            unit, golden, fuzz (bounded) and integration tests
#   make layers          no upward include or symbol (docs/architecture.md)
#   make scenario-NAME   run scenarios/NAME.ini end to end
#   make bench           overhead benchmark -> reports/bench/bench.md
#   make slurm-test      the Slurm path on a local one-node Slurm cluster
#   make regress SLURM=1, make dataset SLURM=1   as Slurm job arrays
#   make regress         built-in detectors on datasets/ref vs the baseline
#   make regress-heldout the same detectors on datasets/ref/heldout: a report,
#                        never a baseline -> build/regress-heldout/eval.md
#   make regress-full    that plus the exec'd detectors (torch, sklearn)
#                        -> reports/regress-full/eval.md
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
LDLIBS := -lbpf -lelf -lz -lzstd -lpcap -linih -ljansson -lzip -lcrypto -lmicrohttpd -lcurl -lpthread -lm
BPF_CFLAGS := -g -O2 -Wall -target bpf -D__TARGET_ARCH_$(ARCH) -Ibpf -I$(BUILD)
ifeq ($(WERROR),1)
CFLAGS += -Werror
BPF_CFLAGS += -Werror
endif

# Debian packages needed to build and test (checked by `make deps`).
# Installed with services held back (policy-rc.d): the tests start a
# private dockerd of their own, the host's docker.service stays off.
DEB_PKGS := clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev \
	    libpcap-dev libinih-dev libjansson-dev libcmocka-dev libzip-dev libssl-dev libmicrohttpd-dev pkg-config \
	    libclang-rt-14-dev runc debootstrap iproute2 tshark zstd \
	    python3 python3-jsonschema python3-sklearn gnuplot-nox wrk prometheus \
	    libcurl4-openssl-dev docker.io redis-tools postgresql-client
DEPS_STAMP := $(BUILD)/.deps-ok

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.skel.h,$(BPF_SRCS))

# ---- layers (docs/architecture.md) ----
# One archive per layer, build/libcadet-LAYER.a, from every .c of its
# folders. They are linked highest layer first, so a lower archive that
# needs a symbol of a higher one fails to link; `make layers` checks the
# includes against the same table. tools/cadet.c holds main().
LAYERS := tools reports eval injector live replayer detect recorder trace util
LAYER_SRCS_util := $(wildcard lib/util/*.c lib/*.c)
LAYER_SRCS_trace := $(wildcard lib/trace/*.c)
LAYER_SRCS_recorder := $(wildcard recorder/*.c)
LAYER_SRCS_detect := $(wildcard detect/*.c detect/*/*.c)
LAYER_SRCS_replayer := $(wildcard replayer/*.c)
LAYER_SRCS_live := $(wildcard live/*.c)
LAYER_SRCS_injector := $(wildcard injector/*.c)
LAYER_SRCS_eval := $(wildcard eval/*.c)
LAYER_SRCS_reports := $(wildcard reports/*.c)
LAYER_SRCS_tools := $(filter-out tools/cadet.c,$(wildcard tools/*.c))
LAYER_OBJS = $(patsubst %.c,$(BUILD)/%.o,$(LAYER_SRCS_$(1)))
LIB_OBJS := $(foreach l,$(LAYERS),$(call LAYER_OBJS,$(l))) $(BUILD)/version.o
# All layer archives in link order: what a test or the binary links.
LIBCADET := $(foreach l,$(LAYERS),$(BUILD)/libcadet-$(l).a)
# ---- end layers ----
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

.PHONY: layers regress regress-heldout regress-full all deps test unit-test integration-test fuzz clean install rootfs \
	format bench dataset slurm-test FORCE
.DEFAULT_GOAL := all

all: $(DEPS_STAMP) $(CADET) $(PAYLOADS) $(PLUGINS)

# Re-checked when the package list changes; cheap when all are present.
$(DEPS_STAMP): Makefile
	@mkdir -p $(@D)
	@missing=$$(for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing" $$missing; \
		if [ "$$(id -u)" != 0 ]; then echo "deps: need root to apt-get install:" $$missing >&2; exit 1; fi; \
		nostart=; if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; \
			chmod 755 /usr/sbin/policy-rc.d; nostart=1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		rc=$$?; [ -z "$$nostart" ] || rm -f /usr/sbin/policy-rc.d; \
		[ $$rc = 0 ] || exit $$rc; \
		case " $$missing " in *" docker.io "*) \
			systemctl disable --now docker.service docker.socket >/dev/null 2>&1 || true;; \
		esac; \
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
$(BUILD)/detect/detectors/default_rules.inc: detect/detectors/default.rules
	@mkdir -p $(@D)
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@
$(BUILD)/detect/detectors/rules.o: $(BUILD)/detect/detectors/default_rules.inc

# ---- layer archives ----
define LAYER_ARCHIVE
$(BUILD)/libcadet-$(1).a: $(call LAYER_OBJS,$(1))
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call LAYER_ARCHIVE,$(l))))
# The version (lib/util/version.h) belongs to the lowest layer.
$(BUILD)/libcadet-util.a: $(BUILD)/version.o

# No upward include, no other folder's private header (*_int.h), no
# symbol taken from a layer above (tools/layers.sh holds the table).
layers: $(LIBCADET)
	@tools/check-layers.sh
	@tools/check-layer-links.sh $(BUILD)
# ---- end layer archives ----

# Built-in detectors are referenced weakly (detect/registry.c), which
# does not pull them out of an archive: link their objects explicitly.
DETECTOR_OBJS := $(filter $(BUILD)/detect/detectors/%.o,$(LIB_OBJS))
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
FUZZ_LIB_SRCS := $(wildcard lib/*/*.c lib/*.c) recorder/discovery.c recorder/container_table.c \
		 $(wildcard detect/detectors/rules_*.c) detect/detectors/common.c \
		 $(wildcard injector/scenario*.c) eval/results.c
build-fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_SRCS) $(wildcard include/cadet/*.h) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) -g -O1 -D_GNU_SOURCE -Iinclude -I. -fsanitize=fuzzer,address,undefined \
		$< $(FUZZ_LIB_SRCS) -o $@ -lzstd -lz -ljansson -linih -lcrypto -lm

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

# A labeled dataset recorded run by run by datasets/record.py, resumable
# (run the same command again after an interruption): DATASET_SIZE=full
# (the default: about 11 h) or ref (the committed datasets/ref plan, about
# 4 h); DATASET_BUDGET=MIN records a piece that fits MIN minutes.
# docs/datasets.md describes both plans.
DATASET_SIZE ?= full
DATASET_BUDGET ?= 0
DATASET_REPEAT ?= 3
DATASET_NORMAL ?= 1
DATASET_SEED ?= 1
DATASET_DIR ?= datasets/$(DATASET_SIZE)
# The Slurm path's scenarios: one file per anomaly type and normal.ini; the
# fleet (12 containers for 5 minutes, docs/scenarios.md) is not one to repeat.
DATASET_SCENARIOS ?= $(filter-out scenarios/fleet.ini,$(sort $(wildcard scenarios/*.ini)))
ifneq ($(SLURM),1)
dataset: all rootfs
	CADET=$(CADET) datasets/record.py --size $(DATASET_SIZE) \
		--budget-min $(DATASET_BUDGET) $(DATASET_DIR)
else
# SLURM=1: every scenario DATASET_REPEAT times (seeds DATASET_SEED, +1,
# ...) and DATASET_NORMAL normal-only runs, as a job array (one task per run unless
# SLURM_SHARDS) into DATASET_DIR/{test,train}/ with a MANIFEST.json;
# returns once submitted and prints how to wait (docs/scale.md).
dataset: all rootfs
	CADET=$(CADET) tools/slurm/submit-dataset.sh --repeat $(DATASET_REPEAT) \
		--normal $(DATASET_NORMAL) --seed $(DATASET_SEED) \
		$(if $(SLURM_SHARDS),--shards $(SLURM_SHARDS)) \
		$(if $(SLURM_PARALLEL),--parallel $(SLURM_PARALLEL)) \
		$(if $(SLURM_PARTITION),--partition $(SLURM_PARTITION)) \
		$(DATASET_DIR) -- $(DATASET_SCENARIOS)
endif

# Overhead benchmark (not part of `make test`): about 8 minutes, writes
# reports/bench/bench.md and bench.json (bench/run.sh, docs/bench.md).
$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra $< -o $@

bench: all rootfs $(BUILD)/bench/syscall_loop
	CADET=$(CADET) LOOP=$(BUILD)/bench/syscall_loop bench/run.sh

# The reference dataset through every built-in detector vs the baseline.
# SLURM=1: as a job array of SLURM_SHARDS (3) replay shards and a dependent
# eval job; waits for them (tools/regress.sh, docs/scale.md).
regress: all
	@SLURM=$(SLURM) SLURM_SHARDS=$(SLURM_SHARDS) SLURM_PARALLEL=$(SLURM_PARALLEL) \
		SLURM_PARTITION=$(SLURM_PARTITION) CADET=$(CADET) tools/regress.sh

# The same training and thresholds, tested on the held-out split (anomalies
# made by other means than the payloads): reported, never compared with or
# written to a baseline (docs/detectors.md, "Held-out protocol").
regress-heldout: all
	@SPLIT=heldout SLURM=$(SLURM) SLURM_SHARDS=$(SLURM_SHARDS) SLURM_PARALLEL=$(SLURM_PARALLEL) \
		SLURM_PARTITION=$(SLURM_PARTITION) CADET=$(CADET) tools/regress.sh

# The same plus the exec'd detectors of examples/detectors/ and the cost of
# each (tools/regress-full.sh; several minutes, not part of `make test`).
# Their Python modules come from Debian (they run under /usr/bin/python3),
# installed here when missing: python3-torch without its recommends (which
# would pull a GUI stack).
FULL_PKGS := python3-torch python3-sklearn time
FULL_STAMP := $(BUILD)/.deps-full-ok
$(FULL_STAMP): Makefile
	@mkdir -p $(@D)
	@missing=$$(for p in $(FULL_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing" $$missing; \
		if [ "$$(id -u)" != 0 ]; then echo "deps: need root to apt-get install:" $$missing >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@touch $@

regress-full: all $(FULL_STAMP)
	@CADET=$(CADET) tools/regress-full.sh

# A local one-node Slurm cluster (Debian's slurm-wlm and munge, installed
# when missing, daemons in a temporary directory): the regress job array
# must give the one-machine eval byte for byte, and a 2-run `cadet run`
# array a dataset of the planned runs. About 2 minutes; needs root.
slurm-test: all rootfs
	@CADET=$(CADET) tools/slurm/test.sh

# ---- plugin exports and `make install` (records/public-headers block) ----
# Detector plugins may call the record helpers of include/cadet/trace.h:
# the binary exports exactly the symbols of the list to dlopen()ed plugins.
PLUGIN_EXPORTS := lib/trace/plugin-exports.list
# (The object of main() depends on the list so that a change relinks.)
$(CADET): LDFLAGS += -Wl,--dynamic-list=$(PLUGIN_EXPORTS)
$(BUILD)/tools/cadet.o: $(PLUGIN_EXPORTS)

# What a plugin author or a trace reader builds against: the public
# headers, libcadet-trace.a and libcadet-util.a (read, write,
# check traces), cadet.pc for pkg-config, and the plugin docs. DESTDIR and
# PREFIX are honoured; the .pc names the prefix given at install time.
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DOCDIR ?= $(PREFIX)/share/doc/cadet
# The two lowest layer archives: the trace format and its utilities.
LIBCADET_TRACE := $(BUILD)/libcadet-trace.a $(BUILD)/libcadet-util.a
PUBLIC_HEADERS := $(wildcard include/cadet/*.h) include/cadet/records.def
INSTALL_DOCS := docs/detector-abi.md docs/trace-format.md

# cadet.pc names includedir and libdir under ${prefix} when they are, so
# that pkg-config --define-variable=prefix=DIR moves them all.
PC_INCLUDEDIR = $(patsubst $(PREFIX)%,$${prefix}%,$(INCLUDEDIR))
PC_LIBDIR = $(patsubst $(PREFIX)%,$${prefix}%,$(LIBDIR))

install: $(CADET) $(LIBCADET_TRACE)
	install -D -m 0755 $(CADET) $(DESTDIR)$(PREFIX)/bin/cadet
	install -d $(DESTDIR)$(INCLUDEDIR)/cadet $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(DOCDIR)
	install -m 0644 $(PUBLIC_HEADERS) $(DESTDIR)$(INCLUDEDIR)/cadet/
	install -m 0644 $(LIBCADET_TRACE) $(DESTDIR)$(LIBDIR)/
	install -m 0644 $(INSTALL_DOCS) $(DESTDIR)$(DOCDIR)/
	printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$(PC_INCLUDEDIR)' \
		'libdir=$(PC_LIBDIR)' '' 'Name: cadet' \
		'Description: cadet trace library and detector plugin ABI' \
		'Version: $(VERSION)' 'Cflags: -I$${includedir}' \
		'Libs: -L$${libdir} -lcadet-trace -lcadet-util -lzstd -lz -lpthread' \
		> $(DESTDIR)$(LIBDIR)/pkgconfig/cadet.pc

# The record tables of docs/trace-format.md section 5, regenerated from
# include/cadet/records.def (tests/unit/test_records checks them).
.PHONY: docs-records
docs-records: $(BUILD)/tests/test_records
	$(BUILD)/tests/test_records --markdown > $(BUILD)/record-tables.md
	awk -v gen=$(BUILD)/record-tables.md \
		'/<!-- record tables: end -->/ { print ""; skip = 0 } !skip { print } \
		 /<!-- record tables: begin -->/ { print ""; while ((getline l < gen) > 0) print l; skip = 1 }' \
		docs/trace-format.md > $(BUILD)/trace-format.md
	mv $(BUILD)/trace-format.md docs/trace-format.md
# ---- end of the records/public-headers block ----

format:
	clang-format -i $$(git ls-files '*.c' '*.h' | grep -v vmlinux.h)

clean:
	rm -rf build build-san build-fuzz

-include $(filter-out $(BUILD)/version.d,$(LIB_OBJS:.o=.d)) $(BUILD)/tools/cadet.d

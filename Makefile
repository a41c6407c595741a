# emo — one non-recursive Makefile.  `make` builds, `make run` starts a node,
# `make test` runs every test tier.  See docs/HACKING.md.

.DELETE_ON_ERROR:
.SECONDARY:
.SUFFIXES:

CC        ?= cc
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
SBINDIR   ?= $(PREFIX)/sbin
MANDIR    ?= $(PREFIX)/share/man
DATADIR   ?= $(PREFIX)/share
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
PKG_CONFIG ?= pkg-config
UNITDIR   ?= $(or $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)
SYSUSERSDIR ?= $(or $(shell $(PKG_CONFIG) --variable=sysusersdir systemd 2>/dev/null),/usr/lib/sysusers.d)
PROTOC_C  ?= protoc-c
DESTDIR   ?=
SANITIZE  ?=
WERROR    ?= $(if $(CI),-Werror,)

comma := ,
ifeq ($(SANITIZE),)
B := build
SANFLAGS :=
else
B := build/san-$(subst $(comma),-,$(SANITIZE))
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

VERSION := 0.1.0

PKGS := libevent libprotobuf-c libsodium
# Only query pkg-config once the packages exist (the deps step installs them).
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell $(PKG_CONFIG) --libs check 2>/dev/null)
LEVELDB_LIBS ?= -lleveldb

OPT      ?= -O2 -g
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wvla -Wno-unused-parameter -Wno-format-truncation $(WERROR)
HARDEN   := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CPPFLAGS += -D_GNU_SOURCE -DEMO_VERSION=\"$(VERSION)\" \
            -DEMO_SYSCONFDIR=\"$(SYSCONFDIR)\" \
            -Idaemon -Iproto -I$(B)/proto
CFLAGS   ?=
ALL_CFLAGS = -std=c11 $(OPT) $(WARN) $(HARDEN) $(SANFLAGS) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP
LDFLAGS  ?=
ALL_LDFLAGS = -pie -Wl,-z,relro,-z,now $(SANFLAGS) $(LDFLAGS)
LIBS     = $(PKG_LIBS) $(LEVELDB_LIBS) -lm

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Generated protobuf-c code.
PROTOS     := $(wildcard proto/*.proto)
PROTO_C    := $(patsubst proto/%.proto,$(B)/proto/%.pb-c.c,$(PROTOS))
PROTO_H    := $(PROTO_C:.c=.h)
PROTO_OBJS := $(PROTO_C:.c=.o)

# Code shared by emod and emoctl (framing, default paths).
COMMON_SRCS := $(wildcard proto/*.c)
COMMON_OBJS := $(patsubst %.c,$(B)/%.o,$(COMMON_SRCS))

# Everything in daemon/ but main.c goes into libemo.a so that unit tests,
# the simulator and fuzz drivers link exactly the modules they use.
DAEMON_SRCS := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
DAEMON_OBJS := $(patsubst %.c,$(B)/%.o,$(DAEMON_SRCS))
LIBEMO      := $(B)/libemo.a

CTL_SRCS := $(wildcard ctl/*.c)
CTL_OBJS := $(patsubst %.c,$(B)/%.o,$(CTL_SRCS))

UNIT_SRCS  := $(wildcard tests/unit/check_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRCS))
SIM_SRCS   := $(wildcard tests/sim/sim_*.c)
SIM_BINS   := $(patsubst tests/sim/%.c,$(B)/tests/%,$(SIM_SRCS))
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)
REPLAY_BINS := $(patsubst tests/fuzz/fuzz_%.c,$(B)/tests/replay_%,$(FUZZ_SRCS))
LIBFUZZ_BINS := $(patsubst tests/fuzz/fuzz_%.c,build/fuzz/fuzz_%,$(FUZZ_SRCS))
BENCH_SRCS := $(wildcard tests/bench/bench_*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(B)/tests/%,$(BENCH_SRCS))

EMOD   := $(B)/emod
EMOCTL := $(B)/emoctl
DEPS_STAMP := build/.deps-ok

.PHONY: all deps run test check-layers unit sim sim-large sim-plots fuzz-replay integration hostile python-client bench bench-compare fuzz \
        install uninstall clean check-sanitize test-sanitize
all: $(EMOD) $(EMOCTL)

# Installs the Debian packages the build and the tests need when missing.
deps: $(DEPS_STAMP)
$(DEPS_STAMP): tools/deps.sh
	$(Q)sh tools/deps.sh
	$(Q)mkdir -p $(@D) && touch $@

$(B)/proto/%.pb-c.c $(B)/proto/%.pb-c.h: proto/%.proto | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  PROTOC  $<"
	$(Q)$(PROTOC_C) --proto_path=proto --c_out=$(B)/proto $<

# Every object may include a generated header: generate them first.
$(B)/%.o: %.c $(PROTO_H) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(B)/proto/%.pb-c.o: $(B)/proto/%.pb-c.c
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Wno-missing-prototypes -c -o $@ $<

$(LIBEMO): $(DAEMON_OBJS) $(COMMON_OBJS) $(PROTO_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(EMOD): $(B)/daemon/main.o $(LIBEMO)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(EMOCTL): $(CTL_OBJS) $(LIBEMO)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# simnet (the fake network of tests/sim/) as an archive: a Check suite
# that includes simnet.h gets it, the others link nothing more from it.
LIBSIMNET := $(B)/tests/libsimnet.a
$(LIBSIMNET): $(B)/tests/sim/simnet.o $(B)/tests/sim/simscen.o
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/tests/check_%: $(B)/tests/unit/check_%.o $(LIBSIMNET) $(LIBEMO)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LIBS)

$(B)/tests/unit/%.o: tests/unit/%.c $(PROTO_H) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) -Itests/sim $(ALL_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(B)/tests/sim_%: $(B)/tests/sim/sim_%.o $(B)/tests/sim/simnet.o $(B)/tests/sim/simscen.o $(LIBEMO)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/replay_%: $(B)/tests/fuzz/fuzz_%.o $(B)/tests/fuzz/replay.o $(LIBEMO)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/bench_%: $(B)/tests/bench/bench_%.o $(LIBEMO)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# The hostile tier's malicious peer (tests/hostile/evilpeer*.c): the
# engine's own codec and fragmentation from libemo.a, nothing rewritten.
HOSTILE_BINS := $(B)/tests/evilpeer
$(B)/tests/evilpeer: $(B)/tests/hostile/evilpeer.o $(B)/tests/hostile/evilpeer_store.o \
    $(B)/tests/hostile/evilpeer_signed.o $(B)/tests/hostile/evilpeer_ident.o \
    $(LIBEMO)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# A sandbox under build/run/ (tools/run.sh): never an installed node's state.
run: all
	$(Q)sh tools/run.sh $(EMOD) $(ARGS)

# ---- tests -------------------------------------------------------------
# `make test` runs every tier; each tier is also its own target.  The layer
# check comes first: it needs no build and fails fastest.
test: check-layers
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory unit fuzz-replay sim integration hostile
	@echo "make test: all tiers passed"

# The checker's own test over fake trees, then the checker over this tree
# (the layer table of docs/HACKING.md).
check-layers: | $(DEPS_STAMP)
	$(Q)sh tests/tools/test_check_layers.sh
	$(Q)python3 tools/check-layers.py

unit: $(UNIT_BINS)
	$(Q)sh tests/run-tier.sh unit $(UNIT_BINS)

# Then 1,000 nodes with 30% churn and 5% loss (issue 13's targets; some
# 10-20 s of CPU with node identities, deterministic).
sim: $(SIM_BINS)
	$(Q)sh tests/run-tier.sh sim $(SIM_BINS)
	$(Q)$(B)/tests/sim_scale --nodes 1000 --churn 0.3 --loss 0.05 \
	    --lookups 1000

# Bigger simulated networks (issue 13), outside `make test`: N = 1,000 (also
# with 30% churn and 5% loss, uniform and King-like latency) and 10,000;
# SIM_LARGE_100K=1 adds 100,000 (long).  SIM_LARGE_ARGS go to every run,
# e.g. "--seed 7 --cache-max 0".
# Every run prints its numbers; the target fails if one missed its bounds.
SIM_LARGE_ARGS ?=
SIM_LARGE_100K ?=
sim-large: $(B)/tests/sim_scale
	$(Q)s=$(B)/tests/sim_scale; rc=0; \
	$$s --nodes 1000 $(SIM_LARGE_ARGS) || rc=1; \
	$$s --nodes 1000 --churn 0.3 --loss 0.05 --lookups 1000 \
	    $(SIM_LARGE_ARGS) || rc=1; \
	$$s --nodes 1000 --churn 0.3 --loss 0.05 --lookups 1000 \
	    --latency king $(SIM_LARGE_ARGS) || rc=1; \
	$$s --nodes 10000 $(SIM_LARGE_ARGS) || rc=1; \
	if [ -n "$(SIM_LARGE_100K)" ]; then \
		$$s --nodes 100000 $(SIM_LARGE_ARGS) || rc=1; fi; \
	exit $$rc

# docs/scale_*.png from the result lines in tests/sim/scale_results.txt
# (python3-matplotlib); SIM_PLOTS_RUN=1 first runs sim_scale again at
# every point (minutes of CPU, niced) and appends its lines.
SIM_PLOTS_RUN ?=
SIM_PLOTS_PYTHON ?= python3
sim-plots: $(B)/tests/sim_scale
	$(Q)SIM_SCALE=$(B)/tests/sim_scale $(SIM_PLOTS_PYTHON) tests/sim/scale_plots.py \
	    $(if $(SIM_PLOTS_RUN),--run) tests/sim/scale_results.txt

fuzz-replay: $(REPLAY_BINS)
	$(Q)sh tests/fuzz/replay-all.sh $(B)/tests

# The fsync-failure shim of the integration tests (tests/integration/
# fsync_shim.c): a plain shared object, never linked into emod.
FSYNC_SHIM := $(B)/tests/fsync_shim.so
$(FSYNC_SHIM): tests/integration/fsync_shim.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) -std=c11 -O2 -Wall -Wextra -fPIC -shared -o $@ $< -ldl

# Key files and LevelDB surgery for the encryption tests (keytool.c).
KEYTOOL := $(B)/tests/keytool
$(KEYTOOL): $(B)/tests/integration/keytool.o $(LIBEMO)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

integration: all $(FSYNC_SHIM) $(KEYTOOL)
	$(Q)EMOD=$(abspath $(EMOD)) EMOCTL=$(abspath $(EMOCTL)) SANITIZE=$(SANITIZE) \
		FSYNC_SHIM=$(abspath $(FSYNC_SHIM)) KEYTOOL=$(abspath $(KEYTOOL)) \
		sh tests/integration/run-all.sh

# The hostile-peer tier (tests/hostile): forged source addresses, floods,
# malformed datagrams against real daemons.  Needs root; skips without.
hostile: all $(HOSTILE_BINS)
	$(Q)EMOD=$(abspath $(EMOD)) EMOCTL=$(abspath $(EMOCTL)) SANITIZE=$(SANITIZE) \
		EVILPEER=$(abspath $(B)/tests/evilpeer) sh tests/hostile/run-all.sh

test-sanitize:
	$(Q)$(MAKE) --no-print-directory test SANITIZE=address,undefined

bench: all $(BENCH_BINS)
	$(Q)EMOD=$(abspath $(EMOD)) EMOCTL=$(abspath $(EMOCTL)) BENCHDIR=$(abspath $(B)/tests) \
		sh tests/bench/run-bench.sh

# emo beside the OpenDHT reference peer (installs dhtnode and python3-opendht
# if missing); not part of `make test`.  SHARED: the shared directory
# (default ../shared beside the repository); BENCH_N: cluster sizes.
SHARED ?= $(abspath $(CURDIR)/../shared)
BENCH_N ?= 50 200
bench-compare: all $(B)/tests/bench_cluster
	$(Q)EMOD=$(abspath $(EMOD)) EMOCTL=$(abspath $(EMOCTL)) BENCHDIR=$(abspath $(B)/tests) \
		SHARED="$(SHARED)" BENCH_N="$(BENCH_N)" sh tests/bench/bench-compare.sh

# libFuzzer campaigns (clang); `make fuzz FUZZ_SECONDS=600` runs each target.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
               -DEMO_VERSION=\"$(VERSION)\" -DEMO_SYSCONFDIR=\"$(SYSCONFDIR)\" \
               -Idaemon -Iproto -Ibuild/fuzz/proto
FUZZ_DEPS_STAMP := build/.deps-fuzz-ok
$(FUZZ_DEPS_STAMP): tools/deps.sh
	$(Q)sh tools/deps.sh fuzz
	$(Q)mkdir -p $(@D) && touch $@
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(DAEMON_SRCS) $(COMMON_SRCS) | $(DEPS_STAMP) $(FUZZ_DEPS_STAMP)
	@mkdir -p build/fuzz/proto
	$(Q)for p in $(PROTOS); do $(PROTOC_C) --proto_path=proto --c_out=build/fuzz/proto $$p; done
	$(Q)clang $(FUZZ_CFLAGS) $(PKG_CFLAGS) -o $@ $< $(DAEMON_SRCS) $(COMMON_SRCS) \
		build/fuzz/proto/*.pb-c.c $(PKG_LIBS) $(LEVELDB_LIBS) -lm
fuzz: $(LIBFUZZ_BINS)
	$(Q)for f in $(LIBFUZZ_BINS); do n=$${f##*/fuzz_}; mkdir -p build/fuzz/corpus-$$n; \
		$$f -max_total_time=$(FUZZ_SECONDS) build/fuzz/corpus-$$n tests/fuzz/corpus/$$n || exit 1; done

# ---- install -----------------------------------------------------------
MANPAGES := $(wildcard docs/man/*.[158])
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/emo \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(DATADIR)/bash-completion/completions
	install -m 0644 systemd/emod.sysusers $(DESTDIR)$(SYSUSERSDIR)/emo.conf
	install -m 0755 $(EMOD) $(DESTDIR)$(SBINDIR)/emod
	install -m 0755 $(EMOCTL) $(DESTDIR)$(BINDIR)/emoctl
	test -e $(DESTDIR)$(SYSCONFDIR)/emo/emod.conf || \
		install -m 0644 conf/emod.conf $(DESTDIR)$(SYSCONFDIR)/emo/emod.conf
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		$(if $(filter /etc,$(SYSCONFDIR)),,-e 's|^ConfigurationDirectory=.*|# ConfigurationDirectory= is under /etc only; the file is $(SYSCONFDIR)/emo/emod.conf|') \
		systemd/emod.service.in > $(DESTDIR)$(UNITDIR)/emod.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/emod.service
	for m in $(MANPAGES); do s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	test ! -f ctl/emoctl.bash || install -m 0644 ctl/emoctl.bash \
		$(DESTDIR)$(DATADIR)/bash-completion/completions/emoctl

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/emod $(DESTDIR)$(BINDIR)/emoctl $(DESTDIR)$(UNITDIR)/emod.service \
		$(DESTDIR)$(SYSUSERSDIR)/emo.conf \
		$(DESTDIR)$(DATADIR)/bash-completion/completions/emoctl
	for m in $(MANPAGES); do s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; done

clean:
	rm -rf build/san-* build/tests build/daemon build/ctl build/proto build/fuzz \
		build/libemo.a build/emod build/emoctl

-include $(shell find $(B) -name '*.d' 2>/dev/null)

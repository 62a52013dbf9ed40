# doks_exporter - one non-recursive Makefile; objects under $(BUILD).
#
#   make          build $(BUILD)/doks_exporter
#   make demo     build, then run against the built-in fake API (no token)
#   make test     unit tests (cmocka) and integration tests (real binary, fake API)
#   make check    the tests under ASan+UBSan, the unit tests under valgrind
#   make lint     cppcheck, clang-tidy, and no include cycle among src/ modules
#   make simulate the scheduler through 24 virtual hours; writes docs/SCHEDULING.md
# demo, test and check first install missing Debian packages when run as root.

VERSION  := 0.1.0
REVISION := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
# The build date is the commit's, not the clock's, so that it changes with
# the revision alone and a make with nothing new rebuilds nothing.
# SOURCE_DATE_EPOCH (reproducible builds, the image's build argument) wins;
# the clock serves only a tree with neither (no git history).
BUILD_EPOCH := $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct 2>/dev/null),$(shell date +%s))
BUILD_DATE  := $(shell date -u -d "@$(BUILD_EPOCH)" +%Y%m%d-%H:%M:%S)

BUILD    ?= build
CC       ?= cc
CFLAGS   ?= -O2 -g
SANFLAGS ?=

# Each library as pkg-config names it, and the Debian package that ships
# its .pc file: `make deps` installs the second column, and a build that
# misses one stops before its first compile naming both.
PKG_TABLE := libmicrohttpd:libmicrohttpd-dev libcurl:libcurl4-openssl-dev libcjson:libcjson-dev \
             libconfig:libconfig-dev yaml-0.1:libyaml-dev gnutls:libgnutls28-dev \
             libcrypto:libssl-dev zlib:zlib1g-dev
pkg_name  = $(word 1,$(subst :, ,$(1)))
pkg_deb   = $(word 2,$(subst :, ,$(1)))
PKGS     := $(foreach r,$(PKG_TABLE),$(call pkg_name,$(r)))
PKG_DEBS := $(foreach r,$(PKG_TABLE),$(call pkg_deb,$(r)))

# The rows whose module pkg-config cannot find (all of them, as
# "pkg-config:pkg-config", when pkg-config itself is missing).
pkg_missing = $(if $(shell command -v pkg-config 2>/dev/null),$(foreach r,$(PKG_TABLE),$(if \
  $(shell pkg-config --exists $(call pkg_name,$(r)) && echo yes),,$(r))),pkg-config:pkg-config)
# Stops make when a module is missing; asks pkg-config once per run.
pkg_check = $(if $(pkg_checked),,$(eval pkg_checked := yes)$(eval pkg_lost := $(pkg_missing))$(if \
  $(pkg_lost),$(error missing $(foreach r,$(pkg_lost),$(call pkg_name,$(r))): run `make deps` as \
  root, or apt-get install $(foreach r,$(pkg_lost),$(call pkg_deb,$(r))))))

# Expanded where they are first used (a compile, a link, lint), never while
# the Makefile is read: `make deps`, `demo` and `test` install the packages
# first, and the sub-make that builds then finds them. Each is computed
# once per run (the eval turns it into a simple variable).
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(pkg_check)$$(shell pkg-config --cflags $$(PKGS)))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $$(pkg_check)$$(shell pkg-config --libs $$(PKGS)))$(PKG_LIBS)
XCFLAGS  = -std=c17 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wshadow \
           -Wstrict-prototypes -Wmissing-prototypes -Werror -pthread -MMD -MP -Isrc \
           $(PKG_CFLAGS) $(SANFLAGS)
XLDFLAGS = -pthread $(SANFLAGS)
LDLIBS_X = $(PKG_LIBS) -lcrypt -lm

# VERSION, REVISION and BUILD_DATE reach the code through one generated
# header that src/buildinfo.c alone includes (the rest of the program asks
# buildinfo_version() and its siblings). It is written each time make
# reads this file but replaced only when its text changes, so that a new
# commit rebuilds buildinfo.o and relinks, while a make with nothing new
# does nothing (`make -q all` holds).
GEN_DIR        := $(BUILD)/gen
BUILDVERSION_H := $(GEN_DIR)/buildversion.h
write_buildversion = mkdir -p $(GEN_DIR) && printf '%s\n' \
  '/* buildversion.h - written by the Makefile from VERSION and git: do not edit. */' \
  '\#define BUILDINFO_VERSION "$(VERSION)"' '\#define BUILDINFO_REVISION "$(REVISION)"' \
  '\#define BUILDINFO_BUILD_DATE "$(BUILD_DATE)"' >$(BUILDVERSION_H).tmp && \
  if cmp -s $(BUILDVERSION_H).tmp $(BUILDVERSION_H); then rm -f $(BUILDVERSION_H).tmp; \
  else mv -f $(BUILDVERSION_H).tmp $(BUILDVERSION_H); fi
$(shell $(write_buildversion) >/dev/null 2>&1)

# The shipped support timeline, built into timeline.o as a C string (the
# copy a binary run from the source tree falls back to), written the same
# way: replaced only when the text changes.
TIMELINE_JSON   := config/support-timeline.json
TIMELINE_TEXT_H := $(GEN_DIR)/timeline_text.h
write_timeline_text = mkdir -p $(GEN_DIR) && sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' \
  -e 's/$$/\\n"/' $(TIMELINE_JSON) >$(TIMELINE_TEXT_H).tmp && \
  if cmp -s $(TIMELINE_TEXT_H).tmp $(TIMELINE_TEXT_H); then rm -f $(TIMELINE_TEXT_H).tmp; \
  else mv -f $(TIMELINE_TEXT_H).tmp $(TIMELINE_TEXT_H); fi
$(shell $(write_timeline_text) >/dev/null 2>&1)

SRC      := $(wildcard src/*.c src/endpoints/*.c)
OBJ      := $(SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libdoks.a
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FAKE_SRC := $(wildcard tests/fakeapi/*.c)
FAKE_OBJ := $(FAKE_SRC:%.c=$(BUILD)/%.o)
# The fake API is an HTTP server answering JSON: it links those two alone.
FAKE_PKGS := libmicrohttpd libcjson

DEB_BUILD := make gcc pkg-config libcrypt-dev $(PKG_DEBS)
DEB_TEST  := libcmocka-dev prometheus curl python3 valgrind clang libclang-rt-14-dev openssl \
             chromium python3-jsonschema

.SECONDARY:

.PHONY: all deps deps-test demo test test-run unit integration check tsan fuzz fuzz-run soak lint \
        dashboards-check install uninstall install-test image-test kubernetes-check \
        kubernetes-rules bench simulate clean

all: $(BUILD)/doks_exporter

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(CFLAGS) -c $< -o $@

# Only buildinfo.o sees the generated header; the recipe serves a make that
# removed it after reading this file (make clean all).
$(BUILD)/src/buildinfo.o: $(BUILDVERSION_H)
$(BUILD)/src/buildinfo.o: XCFLAGS += -I$(GEN_DIR)
$(BUILDVERSION_H):
	@$(write_buildversion)

$(BUILD)/src/timeline.o: $(TIMELINE_TEXT_H)
$(BUILD)/src/timeline.o: XCFLAGS += -I$(GEN_DIR)
$(TIMELINE_TEXT_H): $(TIMELINE_JSON)
	@$(write_timeline_text)

$(LIB): $(OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BUILD)/doks_exporter: $(BUILD)/cmd/doks_exporter.o $(LIB)
	$(CC) $(XLDFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_X)

$(BUILD)/fakeapi: $(FAKE_OBJ)
	$(CC) $(XLDFLAGS) $(LDFLAGS) -o $@ $^ $(pkg_check)$(shell pkg-config --libs $(FAKE_PKGS))

# An LD_PRELOAD library that makes chosen calls slow, for the tests of
# stopping in every phase (tests/preload/preload.c). Built without the
# sanitizers: it only passes calls on.
PRELOAD := $(BUILD)/tests/preload.so
$(PRELOAD): tests/preload/preload.c
	@mkdir -p $(@D)
	$(CC) -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -fPIC -shared $(CFLAGS) -o $@ $< -ldl

$(BUILD)/simulate: $(BUILD)/tests/sim/simulate.o $(LIB)
	$(CC) $(XLDFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_X)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(XLDFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_X) -lcmocka

# The poller's reload test makes the n-th allocation of the exporter's own
# code fail.
$(BUILD)/tests/test_poller: XLDFLAGS += -Wl,--wrap=calloc,--wrap=malloc,--wrap=realloc

# Installs what is missing, as root; otherwise says what to install.
define install_missing
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages:" $$missing; echo "run: sudo apt-get install" $$missing; exit 1; \
	  fi; \
	fi
endef

deps:
	$(call install_missing,$(DEB_BUILD))

deps-test: deps
	$(call install_missing,$(DEB_TEST))

demo: deps
	@$(MAKE) --no-print-directory all $(BUILD)/fakeapi
	@BUILD=$(BUILD) sh tests/demo.sh

test: deps-test
	@$(MAKE) --no-print-directory test-run

test-run: all $(BUILD)/fakeapi $(PRELOAD) $(UNIT_BIN) $(BUILD)/simulate
	@BUILD=$(BUILD) sh tests/unit/run.sh $(UNIT_BIN)
	@$(BUILD)/simulate --hours 3 --sizes 10,1000 --check
	@sh tests/fakeapi/smoke.sh $(BUILD)/fakeapi >/dev/null && echo "fakeapi smoke: passed"
	@BUILD=$(BUILD) bash tests/integration/run.sh

unit: all $(UNIT_BIN)
	@BUILD=$(BUILD) sh tests/unit/run.sh $(UNIT_BIN)

integration: all $(BUILD)/fakeapi $(PRELOAD)
	@BUILD=$(BUILD) bash tests/integration/run.sh

# Sanitizers use their own build tree so that objects never mix.
check: deps-test
	@SKIP_TESTS="t_implausible_rate_limit_header" $(MAKE) --no-print-directory BUILD=build/asan CC=clang \
	  CFLAGS="-O1 -g" SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  test-run
	@$(MAKE) --no-print-directory BUILD=build/valgrind CFLAGS="-O0 -g" all \
	  $(UNIT_SRC:tests/unit/%.c=build/valgrind/tests/%)
	@VALGRIND=1 BUILD=build/valgrind sh tests/unit/run.sh $(UNIT_SRC:tests/unit/%.c=build/valgrind/tests/%)
	@$(MAKE) --no-print-directory tsan

# ThreadSanitizer over the poller/scrape interaction: the snapshot unit
# test and an exporter scraped in a loop while cycles publish; and over
# the server's guards: connections cut by the reaper, logins suspended
# while the gate's thread runs their bcrypt.
tsan: deps-test
	@$(MAKE) --no-print-directory BUILD=build/tsan CC=clang CFLAGS="-O1 -g" \
	  SANFLAGS="-fsanitize=thread" all build/tsan/fakeapi build/tsan/tests/test_snapshot \
	  build/tsan/tests/test_connguard build/tsan/tests/test_authgate
	@TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" build/tsan/tests/test_snapshot
	@TSAN_OPTIONS="halt_on_error=1" build/tsan/tests/test_connguard
	@TSAN_OPTIONS="halt_on_error=1" build/tsan/tests/test_authgate
	@BUILD=build/tsan TSAN_OPTIONS="halt_on_error=1" bash tests/integration/run.sh \
	  t_scrape_while_publishing t_reload_applies_a_valid_file t_gzip_scrape \
	  t_web_login_flood t_web_trickling_clients t_web_stop_during_login

# libFuzzer targets, one per parser, seeded from tests/fixtures.
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_SECONDS ?= 10
fuzz: deps-test
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang CFLAGS="-O1 -g" \
	  SANFLAGS="-fsanitize=address,undefined -fsanitize=fuzzer-no-link" fuzz-run

fuzz-run: $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $^

$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(CFLAGS) -fsanitize=fuzzer $< $(LIB) -o $@ $(LDLIBS_X)

# The scheduler and the budget (the real pure modules) on a virtual clock
# against a model of the API, 24 virtual hours at four fleet sizes, in
# well under a minute; rewrites docs/SCHEDULING.md. Not run by `make test`,
# which runs a three-hour version with --check.
SIM_ARGS ?= --hours 24 --sizes 10,100,1000,10000
simulate: $(BUILD)/simulate
	$(BUILD)/simulate $(SIM_ARGS) --doc docs/SCHEDULING.md

# Benchmarks against the fake API, Prometheus and node_exporter; writes
# docs/BENCHMARKS.md (about 15 minutes). Not part of `make test`.
DEB_BENCH := wrk prometheus prometheus-node-exporter curl valgrind strace time pkg-config \
             libmicrohttpd-dev
bench: deps
	$(call install_missing,$(DEB_BENCH))
	@$(MAKE) --no-print-directory all $(BUILD)/fakeapi
	@BUILD=$(BUILD) bash tests/bench/bench.sh

# Thousands of cycles against random faults, scraped all the while; not in CI.
soak: all $(BUILD)/fakeapi
	@BUILD=$(BUILD) bash tests/soak/soak.sh

# The alert rules (promtool, their unit tests, a runbook for each) and the
# dashboard against Grafana's own types.
dashboards-check: deps-test
	promtool check rules dashboards/doks-alerts.rules.yml
	promtool test rules tests/rules/doks-alerts.test.yml
	@sh tests/rules/check-runbooks.sh
	@BUILD=$(BUILD) sh tests/dashboards/run.sh

# make install PREFIX=/usr DESTDIR=...: the binary, the man page, the
# dashboards and rules, the support timeline (which the binary finds at
# <its folder>/../share/doks_exporter/, so DATADIR must stay
# $(PREFIX)/share/doks_exporter), the example configuration and the
# systemd unit.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/doks_exporter
DOCDIR ?= $(PREFIX)/share/doc/doks_exporter
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc

install: all
	install -D -m 0755 $(BUILD)/doks_exporter $(DESTDIR)$(BINDIR)/doks_exporter
	install -D -m 0644 docs/doks_exporter.1 $(DESTDIR)$(MANDIR)/man1/doks_exporter.1
	install -D -m 0644 -t $(DESTDIR)$(DATADIR)/dashboards dashboards/doks-overview.json \
	  dashboards/doks-alerts.rules.yml
	install -D -m 0644 config/support-timeline.json $(DESTDIR)$(DATADIR)/support-timeline.json
	install -D -m 0644 config/doks_exporter.conf $(DESTDIR)$(DOCDIR)/doks_exporter.conf
	install -d -m 0755 $(DESTDIR)$(UNITDIR)
	sed 's#/usr/bin/doks_exporter#$(BINDIR)/doks_exporter#' config/systemd/doks_exporter.service \
	  >$(DESTDIR)$(UNITDIR)/doks_exporter.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/doks_exporter.service
	@c=$(DESTDIR)$(SYSCONFDIR)/doks_exporter/doks_exporter.conf; \
	if [ -e $$c ]; then echo "keeping $$c"; else install -D -m 0644 config/doks_exporter.conf $$c; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/doks_exporter $(DESTDIR)$(MANDIR)/man1/doks_exporter.1 \
	  $(DESTDIR)$(UNITDIR)/doks_exporter.service $(DESTDIR)$(DOCDIR)/doks_exporter.conf
	rm -rf $(DESTDIR)$(DATADIR)
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null

install-test: all $(BUILD)/fakeapi
	@BUILD=$(BUILD) bash tests/install/install-test.sh

# The container image, built and run for real (dockerd started by hand).
image-test: $(BUILD)/fakeapi
	@BUILD=$(BUILD) bash tests/image/image-test.sh

kubernetes-rules:
	sh tests/kubernetes/gen-prometheusrule.sh >config/kubernetes/prometheusrule.yaml.tmp && \
	  mv config/kubernetes/prometheusrule.yaml.tmp config/kubernetes/prometheusrule.yaml

kubernetes-check: all $(BUILD)/fakeapi
	@BUILD=$(BUILD) sh tests/kubernetes/check.sh

# The include graph among src/ modules must stay one-way (codeshape.py
# exits 1 on a cycle). cppcheck 2.10 (Debian 12) takes --std=c17 but knows
# no C17 of its own: it reads it as its newest C, C11, which C17 only
# corrects; a newer cppcheck reads it as C17.
lint:
	python3 tests/lint/codeshape.py cycles src
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --inline-suppr -Isrc -I$(GEN_DIR) --std=c17 src cmd tests/fakeapi tests/sim
	clang-tidy --quiet $(SRC) cmd/doks_exporter.c -- -std=c17 -D_POSIX_C_SOURCE=200809L \
	  -Isrc -I$(GEN_DIR) $(PKG_CFLAGS)

clean:
	rm -rf build

-include $(OBJ:.o=.d) $(FAKE_OBJ:.o=.d) $(BUILD)/cmd/doks_exporter.d $(BUILD)/tests/sim/simulate.d \
  $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%.d) $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%.d)

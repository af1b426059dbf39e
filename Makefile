# Tollgate build.
#
#   make             optimised binary with debug symbols: ./tollgate
#   make run         build and start the quickstart
#   make test        unit + integration tests (release build)
#   make test-asan   unit and integration tests under AddressSanitizer + UBSan
#   make test-tsan   unit and integration tests under ThreadSanitizer
#   make conformance HAProxy's regression tests (../shared/conformance) against
#                    ./tollgate, checked against the ratchet (tests/conformance)
#   make bench       micro-benchmarks, results printed and saved in bench/results/
#   make install     installs the binary, its manual page, the documentation,
#                    the example configuration and the service files under
#                    $(DESTDIR)$(PREFIX) (PREFIX=/usr/local by default)
#   make DEBUG=1     debug build (lock statistics, expensive BUG_ON checks)
#   make clean
#
# Every object of a variant goes to build/<variant>/, so the variants coexist.

CC       ?= gcc
PYTHON   ?= /usr/bin/python3
VARIANT  ?= release

CPPFLAGS_BASE := -Iinclude -D_GNU_SOURCE
CFLAGS_BASE   := -std=gnu11 -g -pthread -Wall -Wextra -Werror -Wshadow -Wpointer-arith \
                 -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter \
                 -fno-strict-aliasing
LDLIBS_BASE   := -pthread -lm -lssl -lcrypto -lcrypt -lnghttp2

ifeq ($(VARIANT),release)
  OPT := -O2
else ifeq ($(VARIANT),asan)
  OPT := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all -DTG_SANITIZER
  LDSAN := -fsanitize=address,undefined
else ifeq ($(VARIANT),tsan)
  OPT := -O1 -fno-omit-frame-pointer -fsanitize=thread -DTG_SANITIZER -DTG_TSAN
  LDSAN := -fsanitize=thread
else ifeq ($(VARIANT),debug)
  OPT := -O0 -DTG_DEBUG
else
  $(error unknown VARIANT '$(VARIANT)': use release, asan, tsan or debug)
endif

ifeq ($(DEBUG),1)
  OPT += -DTG_DEBUG
endif

BUILD   := build/$(VARIANT)
# Modules register their keywords and algorithms from constructors, so every
# object of the library is linked even if nothing calls into it.
WHOLE    = -Wl,--whole-archive $(LIB) -Wl,--no-whole-archive
CFLAGS  := $(CFLAGS_BASE) $(OPT) $(CFLAGS_EXTRA)
LDFLAGS := $(LDSAN) $(LDFLAGS_EXTRA)

# The library: every module but main.c. Modules are found by directory, so a
# new file needs no Makefile edit.
LIB_SRC  := $(sort $(wildcard src/core/*.c src/table/*.c src/net/*.c src/rules/*.c \
              src/http/*.c src/proxy/*.c src/stream/*.c src/peers/*.c src/admin/*.c src/cfg/*.c \
              src/mux/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libtollgate.a

MAIN_OBJ := $(BUILD)/src/main.o
BIN      := $(BUILD)/tollgate

UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_HELP := $(wildcard tests/unit/helpers/*.c)

BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all run test test-unit test-build test-integration test-asan test-tsan bench clean format conformance install

all: tollgate

# The release binary is copied to the root so that ./tollgate always exists.
# Copied then renamed: a running ./tollgate ("text file busy") is replaced.
tollgate: $(BIN)
	cp $(BIN) $@.tmp && mv -f $@.tmp $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_BASE) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

# -vv prints the compiler and flags the binary was built with.
$(MAIN_OBJ): CPPFLAGS_BASE += -DTOLLGATE_BUILD_CC='"$(CC)"' -DTOLLGATE_BUILD_CFLAGS='"$(CFLAGS)"'

$(BIN): $(MAIN_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(WHOLE) $(LDLIBS_BASE)

$(BUILD)/tests/%: tests/unit/%.c $(UNIT_HELP) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_BASE) -Itests/unit $(CFLAGS) -o $@ $< $(UNIT_HELP) $(WHOLE) $(LDFLAGS) -lcmocka $(LDLIBS_BASE)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_BASE) $(CFLAGS) -o $@ $< $(WHOLE) $(LDFLAGS) $(LDLIBS_BASE)

run: tollgate
	examples/quickstart.sh

test: test-unit test-integration

test-unit: $(UNIT_BIN)
	@tests/run-unit $(UNIT_BIN)

# What a test target of this VARIANT runs, built without running it: CI
# builds the sanitizer variants while the release suite runs.
test-build: $(BIN) $(UNIT_BIN)

# The integration tests run in parallel (pytest-xdist, PYTEST_JOBS workers):
# most of their time is waiting (timeouts they exercise, process start-up,
# backends), not CPU. Each file stays on one worker (--dist loadfile): a
# file's module fixtures (an HTTP/2 server, certificates) are made once.
# Tests pick ports with conftest's free_port(), from a range of their own
# per worker, and files under tmp_path (tests/integration/README).
# --tb=native: pytest's own traceback format parses the test's source
# with ast, which Debian 12's Python 3.11.2 can fail ("AST constructor
# recursion depth mismatch", CPython gh-106905): an internal error that
# ends the whole run instead of reporting the one failed test.
# PYTEST_ARGS adds options (make test PYTEST_ARGS=--durations=20).
PYTEST_JOBS ?= 4
PYTEST      := $(PYTHON) -m pytest -q -n $(PYTEST_JOBS) --dist loadfile --tb=native $(PYTEST_ARGS)

.PHONY: check-xdist
check-xdist:
	@$(PYTHON) -c 'import xdist' 2>/dev/null || { \
		echo "make: the integration tests need pytest-xdist (Debian: apt-get install python3-pytest-xdist)" >&2; \
		exit 1; }

test-integration: tollgate check-xdist
	$(PYTEST) tests/integration

# The sanitizer targets run the unit tests, then the integration tests
# against a sanitized binary: a race or a memory error in real traffic
# kills the process (halt_on_error), which fails the test that drove it.
# Leak checking is off for the binary: a fast stop exits without freeing.
test-asan: check-xdist
	$(MAKE) VARIANT=asan test-unit build/asan/tollgate
	ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		TOLLGATE_BIN=$(CURDIR)/build/asan/tollgate $(PYTEST) tests/integration

test-tsan: check-xdist
	$(MAKE) VARIANT=tsan test-unit build/tsan/tollgate
	TSAN_OPTIONS=halt_on_error=1:exitcode=66 \
		TOLLGATE_BIN=$(CURDIR)/build/tsan/tollgate $(PYTEST) tests/integration

bench: $(BENCH_BIN)
	@bench/run $(BENCH_BIN)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

conformance: tollgate
	tests/conformance/ratchet ./tollgate

# Installing: HAProxy's layout (sbin, man1, doc). The systemd unit goes to
# the systemd unit directory of the prefix; the logrotate and rsyslog
# snippets, which belong to /etc, are installed with the documentation.
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/tollgate
UNITDIR    ?= $(PREFIX)/lib/systemd/system
INSTALL    ?= install

install: tollgate
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DOCDIR)/examples \
		$(DESTDIR)$(DOCDIR)/contrib $(DESTDIR)$(UNITDIR)
	$(INSTALL) -m 755 tollgate $(DESTDIR)$(SBINDIR)/tollgate
	$(INSTALL) -m 644 doc/tollgate.1 $(DESTDIR)$(MANDIR)/man1/tollgate.1
	$(INSTALL) -m 644 README.md LICENSE doc/*.md $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -m 644 contrib/tollgate.cfg examples/*.cfg $(DESTDIR)$(DOCDIR)/examples/
	$(INSTALL) -m 644 contrib/logrotate/tollgate $(DESTDIR)$(DOCDIR)/contrib/tollgate.logrotate
	$(INSTALL) -m 644 contrib/rsyslog/49-tollgate.conf $(DESTDIR)$(DOCDIR)/contrib/49-tollgate.conf
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' contrib/systemd/tollgate.service.in \
		> $(DESTDIR)$(UNITDIR)/tollgate.service
	chmod 644 $(DESTDIR)$(UNITDIR)/tollgate.service

clean:
	rm -rf build tollgate

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d)

# Fuzzing targets (clang, libFuzzer): make fuzz, make fuzz-run.
include mk/fuzz.mk

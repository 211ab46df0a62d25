# Makefile - builds every part of ccxtrace, runs its tests and benchmarks.
#
#   make                 build what exists (build/bin, build/lib)
#   make test [T=...]    build, then run every test (T: substrings of test names)
#   make demo           build, then run the demo (the README's main command)
#   make bench           benchmarks (ratios against a baseline in the same run)
#   make asan / ubsan    sanitizer builds of the tools and unit-testable code, and their tests
#   make lint            cppcheck over every part
#   make install [PREFIX=/usr/local] [DESTDIR=]
#   make clean
#
# Each part has its own <part>/build.mk, included below; it adds its targets
# to TOOLS / LIBS / UNIT_BINS and declares the Debian packages it needs, so
# a missing header is reported as the package to install (scripts/check-deps.sh).

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= gcc
CXX     ?= g++
OPT     ?= -O2
SAN     ?=
WERROR  ?=

WARN     := -Wall -Wextra $(if $(WERROR),-Werror,)
BASE_CFLAGS := -std=gnu11 -g -fno-omit-frame-pointer -D_GNU_SOURCE -Icommon $(WARN)
SANFLAGS := $(if $(SAN),-fsanitize=$(SAN) -fno-sanitize-recover=all,)
CFLAGS   ?=
ALL_CFLAGS := $(BASE_CFLAGS) $(OPT) $(SANFLAGS) $(CFLAGS)
ALL_LDFLAGS := $(SANFLAGS) $(LDFLAGS)

# Unit tests are always built with ASan and UBSan: they test pure logic,
# compiled from the parts' sources straight into each test program.
UNIT_SAN    ?= -fsanitize=address,undefined -fno-sanitize-recover=all
UNIT_CFLAGS := $(BASE_CFLAGS) -O1 $(UNIT_SAN) -Itests/unit $(CFLAGS)

TOOLS     :=
LIBS      :=
UNIT_BINS :=
INSTALL_BIN :=
INSTALL_LIB :=

.PHONY: all tools libs unit-tests test bench demo asan ubsan lint install clean
all:

# $(call need_deps,PART,SPEC...): a stamp that exists once every
# "package:header:lib" SPEC compiles and links (lib may be empty).
define need_deps
$(BUILD)/.deps/$(1): scripts/check-deps.sh
	@mkdir -p $$(@D)
	@CC="$$(CC)" scripts/check-deps.sh $(1) $(2)
	@touch $$@
endef

# $(call unit_tests,PART,SOURCES,LDLIBS,EXTRA_CFLAGS): one program per
# tests/unit/PART/test_*.c, linked with SOURCES.
define unit_tests
$(1)_UNIT_BIN := $$(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$$(wildcard tests/unit/$(1)/test_*.c))
$$($(1)_UNIT_BIN): $(BUILD)/tests/unit/$(1)/%: tests/unit/$(1)/%.c $(2) $$(wildcard common/*.h $(1)/*.h tests/unit/*.h tests/unit/$(1)/*.h) | $(BUILD)/.deps/$(1)
	@mkdir -p $$(@D)
	$$(CC) $$(UNIT_CFLAGS) -I$(1) $(4) -o $$@ $$< $(2) $(3) -lm
UNIT_BINS += $$($(1)_UNIT_BIN)
endef

# Objects of ordinary (non-PIC) programs; header dependencies via -MMD.
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

include common/build.mk
include $(filter-out common/build.mk,$(wildcard */build.mk))
-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

all: tools libs
tools: $(TOOLS)
libs: $(LIBS)
unit-tests: $(UNIT_BINS)

test:
	@$(MAKE) --no-print-directory WERROR=1 all unit-tests
	@tests/run.sh --build $(BUILD) $(T)

demo: all
	@BUILD=$(BUILD) scripts/demo.sh $(DEMO_ARGS)

bench: all
	@tests/bench/run.sh --build $(BUILD) $(T)

# Sanitizer builds: the tools and the unit tests with ASan (the preload
# cannot run under ASan: ASan replaces malloc itself), and everything,
# the preload included, with UBSan.
asan:
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=address,undefined WERROR=1 tools unit-tests
	@ASAN_OPTIONS=detect_leaks=1 tests/run.sh --build build/asan unit/ analyzer driver

ubsan:
	@$(MAKE) --no-print-directory BUILD=build/ubsan SAN=undefined WERROR=1 all unit-tests
	@UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 tests/run.sh --build build/ubsan $(T)

lint:
	@tests/integration/test_cppcheck.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib
	$(if $(INSTALL_BIN),install -m 0755 $(INSTALL_BIN) $(DESTDIR)$(PREFIX)/bin/,@true)
	$(if $(INSTALL_LIB),install -m 0755 $(INSTALL_LIB) $(DESTDIR)$(PREFIX)/lib/,@true)

# make print-VAR: a variable's value, for scripts and tests that need a
# list the build keeps (e.g. print-PRELOAD_UNIT_SRC), so it is written once.
print-%:
	@echo $($*)

clean:
	rm -rf build

# preload/build.mk - libccxtrace.so, the in-process tracer (LD_PRELOAD).
#
# Every preload/*/*.c (one folder per layer, docs/design.md) plus the
# shared common/ sources (COMMON_SRC), compiled position-independent under
# $(BUILD)/pic/, with hidden visibility (only the interposed libc names and
# ccxtrace_snapshot are exported) and initial-exec TLS (no __tls_get_addr
# on the hot path).  libunwind is not linked: it is dlopen'd privately at
# run time (see preload/core/ccx_unwind.c), so its _Unwind_*/backtrace never
# enter the process's symbol scope.
#
# $(BUILD)/lib/libccxtrace-ubsan.so is the same library built with UBSan
# (objects under $(BUILD)/pic-ubsan/), which the integration tests also run.

PRELOAD_DIRS := base iface core output control python
PRELOAD_SRC := $(wildcard $(PRELOAD_DIRS:%=preload/%/*.c)) $(COMMON_SRC)
PRELOAD_OBJ := $(PRELOAD_SRC:%.c=$(BUILD)/pic/%.o)
PRELOAD_UBSAN_OBJ := $(PRELOAD_SRC:%.c=$(BUILD)/pic-ubsan/%.o)
PRELOAD_LIB := $(BUILD)/lib/libccxtrace.so
PRELOAD_UBSAN_LIB := $(BUILD)/lib/libccxtrace-ubsan.so
# Every function used across files is declared once, in a header
# (-Wmissing-prototypes: a definition without one does not build with
# WERROR=1, as `make test` builds).
PRELOAD_CFLAGS := -fPIC -fvisibility=hidden -ftls-model=initial-exec -Wmissing-prototypes -Wstrict-prototypes
# The release library is built with NDEBUG: a broken invariant then turns
# tracing off with one line instead of aborting the traced program
# (ccx_assert, base/ccx_diag.h); the UBSan library and the unit tests keep
# assert().
PRELOAD_RELEASE_CFLAGS := -DNDEBUG

# The layers (docs/design.md): each folder is compiled with -I for the
# folders it may use and no other, so an include against the rule does not
# compile (scripts/check-layers checks the same, and for circles).
PRELOAD_USES_base    := base
PRELOAD_USES_iface   := base iface
PRELOAD_USES_core    := base iface core
PRELOAD_USES_output  := base iface core output
PRELOAD_USES_control := base iface core output control
PRELOAD_USES_python  := base iface python
preload_dir = $(word 2,$(subst /, ,$(1)))
preload_inc = $(if $(filter preload/%,$(1)),$(PRELOAD_USES_$(call preload_dir,$(1)):%=-Ipreload/%))
PRELOAD_LDLIBS := -ldl -lpthread -lm

LIBS += $(PRELOAD_LIB) $(PRELOAD_UBSAN_LIB)
INSTALL_LIB += $(PRELOAD_LIB)

$(eval $(call need_deps,preload,libc6-dev:link.h:dl libunwind-dev:libunwind.h:unwind))

$(BUILD)/pic/%.o: %.c | $(BUILD)/.deps/preload
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PRELOAD_CFLAGS) $(PRELOAD_RELEASE_CFLAGS) $(call preload_inc,$<) -MMD -MP -c -o $@ $<

$(BUILD)/pic-ubsan/%.o: %.c | $(BUILD)/.deps/preload
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT) -fsanitize=undefined -fno-sanitize-recover=all $(CFLAGS) $(PRELOAD_CFLAGS) $(call preload_inc,$<) -MMD -MP -c -o $@ $<

$(PRELOAD_LIB): $(PRELOAD_OBJ)
	@mkdir -p $(@D)
	$(CC) -shared $(ALL_LDFLAGS) -Wl,-z,defs -Wl,-z,now -o $@ $^ $(PRELOAD_LDLIBS)

$(PRELOAD_UBSAN_LIB): $(PRELOAD_UBSAN_OBJ)
	@mkdir -p $(@D)
	$(CC) -shared -fsanitize=undefined $(LDFLAGS) -Wl,-z,defs -Wl,-z,now -o $@ $^ $(PRELOAD_LDLIBS)

-include $(shell find $(BUILD)/pic $(BUILD)/pic-ubsan -name '*.d' 2>/dev/null)

# Unit tests: the pure logic (sampling math, filter and block table, stack
# interning, option table, JSON writer), never the interposer itself.
PRELOAD_UNIT_SRC := preload/base/ccx_options.c preload/base/ccx_text.c preload/base/ccx_trigger.c preload/base/ccx_diag.c preload/base/ccx_only.c preload/output/ccx_stale.c \
  preload/base/ccx_pressure.c preload/base/ccx_cgroup.c preload/output/ccx_thin.c preload/core/ccx_sample.c preload/base/ccx_mem.c \
  preload/core/ccx_addrmap.c preload/core/ccx_stacks.c preload/base/ccx_json.c $(COMMON_SRC)
$(eval $(call unit_tests,preload,$(PRELOAD_UNIT_SRC),-lpthread,$(PRELOAD_DIRS:%=-Ipreload/%)))
$(preload_UNIT_BIN): $(wildcard preload/*/*.h)

# The interposed functions (libc and PyMem hooks) run on every allocation:
# no frame-pointer setup there (unwinding uses .eh_frame; the tracer's own frames are dropped), and
# no vector packing of the two counter increments (it costs more than it saves).
$(BUILD)/pic/preload/core/ccx_hooks_libc.o $(BUILD)/pic-ubsan/preload/core/ccx_hooks_libc.o \
  $(BUILD)/pic/preload/python/py_alloc.o $(BUILD)/pic-ubsan/preload/python/py_alloc.o: PRELOAD_CFLAGS += -fomit-frame-pointer -fno-tree-slp-vectorize

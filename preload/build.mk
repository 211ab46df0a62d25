# preload/build.mk - libccxtrace.so, the in-process tracer (LD_PRELOAD).
#
# Every preload/*.c (the core's ccx_*.c and the Python layer's py_*.c)
# plus the shared common/ sources (COMMON_SRC), compiled position-independent under
# $(BUILD)/pic/, with hidden visibility (only the interposed libc names and
# ccxtrace_snapshot are exported) and initial-exec TLS (no __tls_get_addr
# on the hot path).  libunwind is not linked: it is dlopen'd privately at
# run time (see preload/ccx_unwind.c), so its _Unwind_*/backtrace never
# enter the process's symbol scope.
#
# $(BUILD)/lib/libccxtrace-ubsan.so is the same library built with UBSan
# (objects under $(BUILD)/pic-ubsan/), which the integration tests also run.

PRELOAD_SRC := $(wildcard preload/*.c) $(COMMON_SRC)
PRELOAD_OBJ := $(PRELOAD_SRC:%.c=$(BUILD)/pic/%.o)
PRELOAD_UBSAN_OBJ := $(PRELOAD_SRC:%.c=$(BUILD)/pic-ubsan/%.o)
PRELOAD_LIB := $(BUILD)/lib/libccxtrace.so
PRELOAD_UBSAN_LIB := $(BUILD)/lib/libccxtrace-ubsan.so
PRELOAD_CFLAGS := -fPIC -fvisibility=hidden -ftls-model=initial-exec -Ipreload
PRELOAD_LDLIBS := -ldl -lpthread -lm

LIBS += $(PRELOAD_LIB) $(PRELOAD_UBSAN_LIB)
INSTALL_LIB += $(PRELOAD_LIB)

$(eval $(call need_deps,preload,libc6-dev:link.h:dl libunwind-dev:libunwind.h:unwind))

$(BUILD)/pic/%.o: %.c | $(BUILD)/.deps/preload
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PRELOAD_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/pic-ubsan/%.o: %.c | $(BUILD)/.deps/preload
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT) -fsanitize=undefined -fno-sanitize-recover=all $(CFLAGS) $(PRELOAD_CFLAGS) -MMD -MP -c -o $@ $<

$(PRELOAD_LIB): $(PRELOAD_OBJ)
	@mkdir -p $(@D)
	$(CC) -shared $(ALL_LDFLAGS) -Wl,-z,defs -Wl,-z,now -o $@ $^ $(PRELOAD_LDLIBS)

$(PRELOAD_UBSAN_LIB): $(PRELOAD_UBSAN_OBJ)
	@mkdir -p $(@D)
	$(CC) -shared -fsanitize=undefined $(LDFLAGS) -Wl,-z,defs -Wl,-z,now -o $@ $^ $(PRELOAD_LDLIBS)

-include $(shell find $(BUILD)/pic $(BUILD)/pic-ubsan -name '*.d' 2>/dev/null)

# Unit tests: the pure logic (sampling math, filter and block table, stack
# interning, option table, JSON writer), never the interposer itself.
PRELOAD_UNIT_SRC := preload/ccx_options.c preload/ccx_text.c preload/ccx_trigger.c preload/ccx_only.c preload/ccx_stale.c preload/ccx_pressure.c preload/ccx_cgroup.c preload/ccx_thin.c preload/ccx_sample.c preload/ccx_mem.c preload/ccx_addrmap.c \
  preload/ccx_stacks.c preload/ccx_json.c $(COMMON_SRC)
$(eval $(call unit_tests,preload,$(PRELOAD_UNIT_SRC),-lpthread,))

# The interposed functions (libc and PyMem hooks) run on every allocation:
# no frame-pointer setup there (unwinding uses .eh_frame; the tracer's own frames are dropped), and
# no vector packing of the two counter increments (it costs more than it saves).
$(BUILD)/pic/preload/ccx_hooks_libc.o $(BUILD)/pic-ubsan/preload/ccx_hooks_libc.o \
  $(BUILD)/pic/preload/py_alloc.o $(BUILD)/pic-ubsan/preload/py_alloc.o: PRELOAD_CFLAGS += -fomit-frame-pointer -fno-tree-slp-vectorize

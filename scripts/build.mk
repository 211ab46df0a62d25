# scripts/build.mk - ccx-units, the unit parser (common/ccx_units.c) on the
# command line for the monitoring scripts in scripts/.
UNITS_CLI := $(BUILD)/bin/ccx-units
UNITS_CLI_OBJ := $(BUILD)/obj/scripts/units/ccx_units_cli.o

$(UNITS_CLI): $(UNITS_CLI_OBJ) $(COMMON_OBJ) | $(BUILD)/.deps/common
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

TOOLS += $(UNITS_CLI)
INSTALL_BIN += $(UNITS_CLI)

# ccxtrace-hook (scripts/k8s/ccxtrace_hook.c): the init container's copy and
# the preStop hook's final snapshot in a Kubernetes pod (scripts/ccxtrace-k8s).
# Static and without sanitizers: it runs in images that have no libc of ours.
HOOK_BIN := $(BUILD)/bin/ccxtrace-hook

HOOK_SRC := scripts/k8s/ccxtrace_hook.c common/ccx_signal.c common/ccx_traced.c

$(HOOK_BIN): $(HOOK_SRC) common/ccx_signal.h common/ccx_traced.h
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT) $(CFLAGS) -static -o $@ $(HOOK_SRC)

TOOLS += $(HOOK_BIN)
INSTALL_BIN += $(HOOK_BIN)

# scripts/build.mk - ccx-units, the unit parser (common/ccx_units.c) on the
# command line for the monitoring scripts in scripts/.
UNITS_CLI := $(BUILD)/bin/ccx-units
UNITS_CLI_OBJ := $(BUILD)/obj/scripts/units/ccx_units_cli.o

$(UNITS_CLI): $(UNITS_CLI_OBJ) $(COMMON_OBJ) | $(BUILD)/.deps/common
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

TOOLS += $(UNITS_CLI)
INSTALL_BIN += $(UNITS_CLI)

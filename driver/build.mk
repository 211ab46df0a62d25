# driver/build.mk - ccx-driver, the archive upload load (libcurl, libarchive, cJSON).
DRIVER_LIB_SRC := driver/archives.c driver/identity.c driver/opts.c driver/run.c driver/sender.c \
                  driver/command.c driver/idle.c driver/metrics.c driver/stats.c driver/template.c driver/trigger.c
DRIVER_SRC     := driver/main.c $(DRIVER_LIB_SRC)
DRIVER_OBJ     := $(DRIVER_SRC:%.c=$(BUILD)/obj/%.o)
DRIVER_LDLIBS  := -lcurl -larchive -lcjson -lz -lm

$(eval $(call need_deps,driver,libcurl4-openssl-dev:curl/curl.h:curl libarchive-dev:archive.h:archive libcjson-dev:cjson/cJSON.h:cjson zlib1g-dev:zlib.h:z))

$(DRIVER_OBJ): | $(BUILD)/.deps/driver
# Every function used across files is declared once in a header, so a
# changed signature does not compile (the unit tests get the same).
DRIVER_WARN := -Wmissing-prototypes -Wstrict-prototypes
$(DRIVER_OBJ): ALL_CFLAGS += $(DRIVER_WARN)

$(BUILD)/bin/ccx-driver: $(DRIVER_OBJ) $(COMMON_OBJ) | $(BUILD)/.deps/driver
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(DRIVER_LDLIBS)

TOOLS       += $(BUILD)/bin/ccx-driver
INSTALL_BIN += $(BUILD)/bin/ccx-driver

$(eval $(call unit_tests,driver,$(DRIVER_LIB_SRC) $(COMMON_SRC),$(DRIVER_LDLIBS),$(DRIVER_WARN)))

# analyzer/build.mk - ccx-analyze: reads snapshots, diffs, trends, reports
# (docs/analyzer.md).  Also `make fuzz`: the snapshot reader under libFuzzer.
ANALYZER_SRC := $(filter-out analyzer/main.c,$(wildcard analyzer/*.c))
ANALYZER_OBJ := $(ANALYZER_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/analyzer/main.o
ANALYZER_LIBS := -lcjson -lz -lm

$(eval $(call need_deps,analyzer,libcjson-dev:cjson/cJSON.h:cjson uthash-dev:uthash.h: zlib1g-dev:zlib.h:z))

$(ANALYZER_OBJ): | $(BUILD)/.deps/analyzer
# Every function used across files is declared once in a header, so a
# changed signature does not compile (the unit tests get the same).
ANALYZER_WARN := -Wmissing-prototypes -Wstrict-prototypes
$(ANALYZER_OBJ): ALL_CFLAGS += $(ANALYZER_WARN)
$(BUILD)/bin/ccx-analyze: $(ANALYZER_OBJ) $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ANALYZER_LIBS)

TOOLS += $(BUILD)/bin/ccx-analyze
INSTALL_BIN += $(BUILD)/bin/ccx-analyze

$(eval $(call unit_tests,analyzer,$(ANALYZER_SRC) $(COMMON_SRC),$(ANALYZER_LIBS),$(ANALYZER_WARN)))

# libFuzzer on the snapshot reader: builds, then runs for FUZZ_SECONDS
# (default 60) over a scratch copy of the committed seeds; findings land in
# $(BUILD)/fuzz/findings, never in tests/fuzz.  The file reader's window is
# 7 bytes here (1 MiB in the tool), so tokens are cut at every place.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
.PHONY: fuzz
FUZZ_SNAPSHOT_SRC := analyzer/snapshot.c analyzer/snaptables.c analyzer/snapread.c analyzer/jsonread.c \
    analyzer/ident.c analyzer/frames.c analyzer/holders.c analyzer/strpool.c analyzer/textsafe.c \
    analyzer/infile.c
$(BUILD)/fuzz/fuzz_snapshot: tests/fuzz/fuzz_snapshot.c $(FUZZ_SNAPSHOT_SRC) $(FUZZ_SNAPSHOT_SRC:.c=.h) common/ccx_format.h | $(BUILD)/.deps/analyzer
	@mkdir -p $(@D)
	$(FUZZ_CC) -std=gnu11 -g -O1 -D_GNU_SOURCE -DCCX_JR_WINDOW=7 -Icommon -Ianalyzer \
	    -fsanitize=fuzzer,address,undefined \
	    -o $@ tests/fuzz/fuzz_snapshot.c $(FUZZ_SNAPSHOT_SRC) -lcjson -lm
fuzz: $(BUILD)/fuzz/fuzz_snapshot
	@mkdir -p $(BUILD)/fuzz/corpus $(BUILD)/fuzz/findings
	@cp -n tests/fuzz/corpus/snapshot/* $(BUILD)/fuzz/corpus/ 2>/dev/null || true
	$(BUILD)/fuzz/fuzz_snapshot -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	    -artifact_prefix=$(BUILD)/fuzz/findings/ $(BUILD)/fuzz/corpus

# "Who holds it" (docs/holders.md): the preload's pure reference-path search
# (preload/python/holders_graph.c) is unit-tested on its own, in tests/unit/holders.
$(eval $(call need_deps,holders,))
$(eval $(call unit_tests,holders,preload/python/holders_graph.c preload/base/ccx_mem.c,,-Ipreload/python -Ipreload/base -Ipreload/iface))

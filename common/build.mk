# common/build.mk - shared definitions: the snapshot format's names
# (ccx_format.h), the size/duration/rate parser (ccx_units.c) and the
# signal parser (ccx_signal.c), linked into every program.
COMMON_SRC := common/ccx_units.c common/ccx_signal.c common/ccx_traced.c
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/obj/%.o)
# Position-independent twin for the preload.
COMMON_PIC_OBJ := $(COMMON_SRC:%.c=$(BUILD)/pic/%.o)

$(eval $(call need_deps,common,))
$(eval $(call unit_tests,common,$(COMMON_SRC),,))

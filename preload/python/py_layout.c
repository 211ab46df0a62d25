/* py_layout.c - per-version offset tables of the CPython structs the
 * frame walker reads (see py_layout.h).  Values come from each version's
 * headers (offsetof on x86-64/aarch64 LP64, release builds); the layout
 * test recompiles them from the installed headers and compares. */
#include "py_layout.h"

#include <stdio.h>
#include <string.h>

static const struct py_layout layouts[] = {
    { .minor = 9, .ts_frame = 24, .cframe_current = PY_OFF_NONE,
      .fr_back = 24, .fr_code = 32, .fr_instr = 104, .fr_owner = PY_OFF_NONE,
      .owner_cstack = -1, .owner_generator = -1, .instr_kind = PY_INSTR_LASTI_BYTES,
      .co_filename = 104, .co_name = 112, .co_qualname = PY_OFF_NONE,
      .co_firstlineno = 40, .co_code_adaptive = PY_OFF_NONE, .co_firsttraceable = PY_OFF_NONE,
      .str_length = 16, .str_state = 32, .str_ascii_size = 48, .str_compact_size = 72 },
    { .minor = 10, .ts_frame = 24, .cframe_current = PY_OFF_NONE,
      .fr_back = 24, .fr_code = 32, .fr_instr = 96, .fr_owner = PY_OFF_NONE,
      .owner_cstack = -1, .owner_generator = -1, .instr_kind = PY_INSTR_LASTI_UNITS,
      .co_filename = 104, .co_name = 112, .co_qualname = PY_OFF_NONE,
      .co_firstlineno = 40, .co_code_adaptive = PY_OFF_NONE, .co_firsttraceable = PY_OFF_NONE,
      .str_length = 16, .str_state = 32, .str_ascii_size = 48, .str_compact_size = 72 },
    { .minor = 11, .ts_frame = 56, .cframe_current = 8,
      .fr_back = 48, .fr_code = 32, .fr_instr = 56, .fr_owner = 69,
      .owner_cstack = -1, .owner_generator = 1, .instr_kind = PY_INSTR_PTR,
      .co_filename = 112, .co_name = 120, .co_qualname = 128,
      .co_firstlineno = 72, .co_code_adaptive = 184, .co_firsttraceable = 168,
      .str_length = 16, .str_state = 32, .str_ascii_size = 48, .str_compact_size = 72 },
    { .minor = 12, .ts_frame = 56, .cframe_current = 0,
      .fr_back = 8, .fr_code = 0, .fr_instr = 56, .fr_owner = 70,
      .owner_cstack = 3, .owner_generator = 1, .instr_kind = PY_INSTR_PTR,
      .co_filename = 112, .co_name = 120, .co_qualname = 128,
      .co_firstlineno = 68, .co_code_adaptive = 192, .co_firsttraceable = 176,
      .str_length = 16, .str_state = 32, .str_ascii_size = 40, .str_compact_size = 56 },
    { .minor = 13, .ts_frame = 72, .cframe_current = PY_OFF_NONE,
      .fr_back = 8, .fr_code = 0, .fr_instr = 56, .fr_owner = 70,
      .owner_cstack = 3, .owner_generator = 1, .instr_kind = PY_INSTR_PTR,
      .co_filename = 112, .co_name = 120, .co_qualname = 128,
      .co_firstlineno = 68, .co_code_adaptive = 200, .co_firsttraceable = 184,
      .str_length = 16, .str_state = 32, .str_ascii_size = 40, .str_compact_size = 56 },
};

const struct py_layout *py_layout_for(int minor)
{
    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
        if (layouts[i].minor == minor)
            return &layouts[i];
    return NULL;
}

/* 3.13's _Py_DebugOffsets (Include/internal/pycore_runtime.h): after the
 * cookie, the version and free_threaded, sections of uint64_t offsets, each
 * starting with the struct's size.  Indexes of the words we use: */
enum {
    DO_VERSION = 1,
    DO_TS = 3 + 3 + 13,          /* after runtime_state (3), interpreter_state (13) */
    DO_TS_CURRENT_FRAME = DO_TS + 4,
    DO_IF = DO_TS + 9,
    DO_IF_PREVIOUS = DO_IF + 1, DO_IF_EXECUTABLE = DO_IF + 2,
    DO_IF_INSTR_PTR = DO_IF + 3, DO_IF_OWNER = DO_IF + 5,
    DO_CO = DO_IF + 6,
    DO_CO_FILENAME = DO_CO + 1, DO_CO_NAME = DO_CO + 2, DO_CO_QUALNAME = DO_CO + 3,
    DO_CO_FIRSTLINENO = DO_CO + 5, DO_CO_ADAPTIVE = DO_CO + 9,
    DO_OB = DO_CO + 10,
    DO_OB_TYPE = DO_OB + 1
};

int py_layout_from_debug_offsets(const void *runtime, uint64_t version_hex,
                                 struct py_layout *out)
{
    const char *p = runtime;
    if (!p || memcmp(p, "xdebugpy", 8) != 0)
        return -1;
    uint64_t w[DO_OB_TYPE + 1];
    memcpy(w, p + 8, sizeof w);  /* w[0] is the version: word index i is at 8 + 8*i */
    uint64_t ver = w[DO_VERSION - 1];
    if ((ver >> 16) != (version_hex >> 16))  /* same major.minor */
        return -1;
#define W(i) w[(i) - 1]
    if (W(DO_OB_TYPE) != PY_OB_TYPE)
        return -1;
    struct py_layout l = *out;
    l.ts_frame = (uint32_t)W(DO_TS_CURRENT_FRAME);
    l.cframe_current = PY_OFF_NONE;
    l.fr_back = (uint32_t)W(DO_IF_PREVIOUS);
    l.fr_code = (uint32_t)W(DO_IF_EXECUTABLE);
    l.fr_instr = (uint32_t)W(DO_IF_INSTR_PTR);
    l.fr_owner = (uint32_t)W(DO_IF_OWNER);
    l.co_filename = (uint32_t)W(DO_CO_FILENAME);
    l.co_name = (uint32_t)W(DO_CO_NAME);
    l.co_qualname = (uint32_t)W(DO_CO_QUALNAME);
    l.co_firstlineno = (uint32_t)W(DO_CO_FIRSTLINENO);
    l.co_code_adaptive = (uint32_t)W(DO_CO_ADAPTIVE);
    /* 3.13 does not publish _co_firsttraceable; it sits 16 bytes before
     * co_code_adaptive in every version we know (an int, then the
     * co_extra pointer): keep that distance if the code object moved. */
    if (out->co_firsttraceable != PY_OFF_NONE && out->co_code_adaptive != PY_OFF_NONE)
        l.co_firsttraceable = out->co_firsttraceable + l.co_code_adaptive - out->co_code_adaptive;
#undef W
    /* Sanity: every offset lies inside a small struct. */
    if (l.ts_frame > 4096 || l.fr_back > 512 || l.fr_code > 512 || l.fr_instr > 512 ||
        l.fr_owner > 512 || l.co_filename > 1024 || l.co_name > 1024 ||
        l.co_qualname > 1024 || l.co_firstlineno > 1024 || l.co_code_adaptive > 1024 ||
        l.co_firsttraceable > 1024)
        return -1;
    *out = l;
    return 0;
}

int py_parse_version(const char *s, int *major, int *minor, int *micro)
{
    int a = 0, b = 0, c = 0;
    if (!s || sscanf(s, "%d.%d", &a, &b) != 2 || a < 0 || b < 0)
        return -1;
    if (sscanf(s, "%*d.%*d.%d", &c) != 1 || c < 0)
        c = 0;
    *major = a; *minor = b; *micro = c;
    return 0;
}

/* py_layout.c - per-version offset tables of the CPython structs the
 * Python layer reads (see py_layout.h).  Values come from each version's
 * headers (offsetof on x86-64/aarch64 LP64, release builds); the layout
 * test recompiles them from the installed headers and compares. */
#include "py_layout.h"

#include <stdio.h>
#include <string.h>

static const struct py_layout layouts[] = {
    { .minor = 9, .ts_frame = 24, .cframe_current = PY_OFF_NONE,
      .ts_thread_id = 176,
      .fr_back = 24, .fr_code = 32, .fr_instr = 104, .fr_owner = PY_OFF_NONE,
      .owner_cstack = -1, .owner_generator = -1, .instr_kind = PY_INSTR_LASTI_BYTES,
      .co_filename = 104, .co_name = 112, .co_qualname = PY_OFF_NONE,
      .co_firstlineno = 40, .co_code_adaptive = PY_OFF_NONE, .co_firsttraceable = PY_OFF_NONE,
      .str_length = 16, .str_state = 32, .str_ascii_size = 48, .str_compact_size = 72,
      .fo_localsplus = 360, .fo_frame = PY_OFF_NONE, .if_localsplus = PY_OFF_NONE,
      .exc_notes = PY_OFF_NONE, .exc_traceback = 32, .exc_context = 40, .exc_cause = 48,
      .interp_gc = 616 },
    { .minor = 10, .ts_frame = 24, .cframe_current = PY_OFF_NONE,
      .ts_thread_id = 176,
      .fr_back = 24, .fr_code = 32, .fr_instr = 96, .fr_owner = PY_OFF_NONE,
      .owner_cstack = -1, .owner_generator = -1, .instr_kind = PY_INSTR_LASTI_UNITS,
      .co_filename = 104, .co_name = 112, .co_qualname = PY_OFF_NONE,
      .co_firstlineno = 40, .co_code_adaptive = PY_OFF_NONE, .co_firsttraceable = PY_OFF_NONE,
      .str_length = 16, .str_state = 32, .str_ascii_size = 48, .str_compact_size = 72,
      .fo_localsplus = 352, .fo_frame = PY_OFF_NONE, .if_localsplus = PY_OFF_NONE,
      .exc_notes = PY_OFF_NONE, .exc_traceback = 32, .exc_context = 40, .exc_cause = 48,
      .interp_gc = 616 },
    { .minor = 11, .ts_frame = 56, .cframe_current = 8,
      .ts_thread_id = 152,
      .fr_back = 48, .fr_code = 32, .fr_instr = 56, .fr_owner = 69,
      .owner_cstack = -1, .owner_generator = 1, .instr_kind = PY_INSTR_PTR,
      .co_filename = 112, .co_name = 120, .co_qualname = 128,
      .co_firstlineno = 72, .co_code_adaptive = 184, .co_firsttraceable = 168,
      .str_length = 16, .str_state = 32, .str_ascii_size = 48, .str_compact_size = 72,
      .fo_localsplus = PY_OFF_NONE, .fo_frame = 24, .if_localsplus = 72,
      .exc_notes = 32, .exc_traceback = 40, .exc_context = 48, .exc_cause = 56,
      .interp_gc = 648 },
    { .minor = 12, .ts_frame = 56, .cframe_current = 0,
      .ts_thread_id = 136,
      .fr_back = 8, .fr_code = 0, .fr_instr = 56, .fr_owner = 70,
      .owner_cstack = 3, .owner_generator = 1, .instr_kind = PY_INSTR_PTR,
      .co_filename = 112, .co_name = 120, .co_qualname = 128,
      .co_firstlineno = 68, .co_code_adaptive = 192, .co_firsttraceable = 176,
      .str_length = 16, .str_state = 32, .str_ascii_size = 40, .str_compact_size = 56,
      .fo_localsplus = PY_OFF_NONE, .fo_frame = 24, .if_localsplus = 72,
      .exc_notes = 32, .exc_traceback = 40, .exc_context = 48, .exc_cause = 56,
      .interp_gc = 112 },
    { .minor = 13, .ts_frame = 72, .cframe_current = PY_OFF_NONE,
      .ts_thread_id = 152,
      .fr_back = 8, .fr_code = 0, .fr_instr = 56, .fr_owner = 70,
      .owner_cstack = 3, .owner_generator = 1, .instr_kind = PY_INSTR_PTR,
      .co_filename = 112, .co_name = 120, .co_qualname = 128,
      .co_firstlineno = 68, .co_code_adaptive = 200, .co_firsttraceable = 184,
      .str_length = 16, .str_state = 32, .str_ascii_size = 40, .str_compact_size = 56,
      .fo_localsplus = PY_OFF_NONE, .fo_frame = 24, .if_localsplus = 72,
      .exc_notes = 32, .exc_traceback = 40, .exc_context = 48, .exc_cause = 56,
      .interp_gc = 7400 },
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
    DO_IS = 3 + 3,               /* interpreter_state, after runtime_state (3) */
    DO_IS_GC = DO_IS + 4,
    DO_TS = DO_IS + 13,          /* after interpreter_state (13) */
    DO_TS_CURRENT_FRAME = DO_TS + 4,
    DO_TS_THREAD_ID = DO_TS + 5,
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
    l.ts_thread_id = (uint32_t)W(DO_TS_THREAD_ID);
    l.fr_back = (uint32_t)W(DO_IF_PREVIOUS);
    l.fr_code = (uint32_t)W(DO_IF_EXECUTABLE);
    l.fr_instr = (uint32_t)W(DO_IF_INSTR_PTR);
    l.fr_owner = (uint32_t)W(DO_IF_OWNER);
    l.co_filename = (uint32_t)W(DO_CO_FILENAME);
    l.co_name = (uint32_t)W(DO_CO_NAME);
    l.co_qualname = (uint32_t)W(DO_CO_QUALNAME);
    l.co_firstlineno = (uint32_t)W(DO_CO_FIRSTLINENO);
    l.co_code_adaptive = (uint32_t)W(DO_CO_ADAPTIVE);
    l.interp_gc = (uint32_t)W(DO_IS_GC);
    /* 3.13 does not publish _co_firsttraceable; it sits 16 bytes before
     * co_code_adaptive in every version we know (an int, then the
     * co_extra pointer): keep that distance if the code object moved. */
    if (out->co_firsttraceable != PY_OFF_NONE && out->co_code_adaptive != PY_OFF_NONE)
        l.co_firsttraceable = out->co_firsttraceable + l.co_code_adaptive - out->co_code_adaptive;
#undef W
    /* Sanity: every offset lies inside a small struct. */
    if (l.ts_frame > 4096 || l.ts_thread_id > 4096 || l.fr_back > 512 || l.fr_code > 512 || l.fr_instr > 512 ||
        l.fr_owner > 512 || l.co_filename > 1024 || l.co_name > 1024 ||
        l.co_qualname > 1024 || l.co_firstlineno > 1024 || l.co_code_adaptive > 1024 ||
        l.co_firsttraceable > 1024 || l.interp_gc > 65536)
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

/* The deep census's table (py_layout.h, struct py_deep_layout). */
static const struct py_deep_layout deep_layouts[] = {
    { .minor = 9, .str_wstr = 40, .str_wstr_length = 64, .str_utf8_length = 48, .str_utf8 = 56,
      .long_tag = 0, .dk_size = 8, .dk_lookup = 16, .dk_log2_index_bytes = PY_OFF_NONE,
      .dk_kind = PY_OFF_NONE, .dk_nentries = 32, .dk_indices = 40,
      .fr_localsplus = PY_OFF_NONE, .co_nlocalsplus = PY_OFF_NONE,
      .values_back = PY_OFF_NONE, .ht_cached_keys = PY_OFF_NONE },
    { .minor = 10, .str_wstr = 40, .str_wstr_length = 64, .str_utf8_length = 48, .str_utf8 = 56,
      .long_tag = 0, .dk_size = 8, .dk_lookup = 16, .dk_log2_index_bytes = PY_OFF_NONE,
      .dk_kind = PY_OFF_NONE, .dk_nentries = 32, .dk_indices = 40,
      .fr_localsplus = PY_OFF_NONE, .co_nlocalsplus = PY_OFF_NONE,
      .values_back = PY_OFF_NONE, .ht_cached_keys = PY_OFF_NONE },
    { .minor = 11, .str_wstr = 40, .str_wstr_length = 64, .str_utf8_length = 48, .str_utf8 = 56,
      .long_tag = 0, .dk_size = PY_OFF_NONE, .dk_lookup = PY_OFF_NONE, .dk_log2_index_bytes = 9,
      .dk_kind = 10, .dk_nentries = 24, .dk_indices = 32,
      .fr_localsplus = 72, .co_nlocalsplus = 76,
      .values_back = 32, .values_tagged = 0, .ht_cached_keys = 872, .inline_values = 0 },
    { .minor = 12, .str_wstr = PY_OFF_NONE, .str_wstr_length = PY_OFF_NONE, .str_utf8_length = 40,
      .str_utf8 = 48, .long_tag = 1, .dk_size = PY_OFF_NONE, .dk_lookup = PY_OFF_NONE,
      .dk_log2_index_bytes = 9, .dk_kind = 10, .dk_nentries = 24, .dk_indices = 32,
      .fr_localsplus = 72, .co_nlocalsplus = 72,
      .values_back = 24, .values_tagged = 1, .ht_cached_keys = 880, .inline_values = 0 },
    { .minor = 13, .str_wstr = PY_OFF_NONE, .str_wstr_length = PY_OFF_NONE, .str_utf8_length = 40,
      .str_utf8 = 48, .long_tag = 1, .dk_size = PY_OFF_NONE, .dk_lookup = PY_OFF_NONE,
      .dk_log2_index_bytes = 9, .dk_kind = 10, .dk_nentries = 24, .dk_indices = 32,
      .fr_localsplus = 72, .co_nlocalsplus = 72,
      .values_back = PY_OFF_NONE, .values_tagged = 0, .ht_cached_keys = PY_OFF_NONE, .inline_values = 1 },
};

const struct py_deep_layout *py_deep_layout_for(int minor)
{
    for (size_t i = 0; i < sizeof deep_layouts / sizeof deep_layouts[0]; i++)
        if (deep_layouts[i].minor == minor)
            return &deep_layouts[i];
    return NULL;
}

int py_dict_keys_of(const struct py_deep_layout *l, const void *dict, const void *general_lookup,
                    struct py_dict_keys *out)
{
    const char *keys, *values;
    memcpy(&keys, (const char *)dict + PY_DICT_KEYS, sizeof keys);
    memcpy(&values, (const char *)dict + PY_DICT_VALUES, sizeof values);
    if (!keys)
        return -1;
    int64_t n, index_bytes;
    memcpy(&n, keys + l->dk_nentries, sizeof n);
    int general = 1;
    if (l->dk_size != PY_OFF_NONE) {
        int64_t size;
        memcpy(&size, keys + l->dk_size, sizeof size);
        if (size <= 0 || (size & (size - 1)) || size > ((int64_t)1 << 40))
            return -1;
        int width = size <= 0xff ? 1 : size <= 0xffff ? 2 : size <= 0xffffffffll ? 4 : 8;
        index_bytes = size * width;
        const void *lookup;
        memcpy(&lookup, keys + l->dk_lookup, sizeof lookup);
        out->untraversed = general_lookup ? lookup != general_lookup : values != NULL;
    } else {
        uint8_t log2, kind;
        memcpy(&log2, keys + l->dk_log2_index_bytes, 1);
        memcpy(&kind, keys + l->dk_kind, 1);
        if (log2 > 43 || kind > 2)
            return -1;
        index_bytes = (int64_t)1 << log2;
        general = kind == PY_DK_KIND_GENERAL;
        out->untraversed = !general;
    }
    if (n < 0 || n > ((int64_t)1 << 40))
        return -1;
    out->entries = keys + l->dk_indices + index_bytes;
    out->n = n;
    out->stride = general ? PY_DK_ENTRY_GENERAL : PY_DK_ENTRY_UNICODE;
    out->key_off = general ? 8 : 0;
    out->value_off = values ? PY_OFF_NONE : out->key_off + 8;
    return 0;
}

uint64_t py_deque_blocks_bytes(const void *deque)
{
    int64_t left, n;
    memcpy(&left, (const char *)deque + PY_DEQUE_LEFTINDEX, sizeof left);
    memcpy(&n, (const char *)deque + PY_OB_SIZE, sizeof n);
    if (left < 0 || left >= PY_DEQUE_BLOCKLEN || n < 0 || n > ((int64_t)1 << 40))
        return 0;
    return (uint64_t)((left + n + PY_DEQUE_BLOCKLEN - 1) / PY_DEQUE_BLOCKLEN) * PY_DEQUE_BLOCK_SIZE;
}

uint64_t py_instance_values_bytes(const struct py_deep_layout *l, const void *obj)
{
    const char *t, *v;
    unsigned long flags;
    memcpy(&t, (const char *)obj + PY_OB_TYPE, sizeof t);
    memcpy(&flags, t + PY_TP_FLAGS, sizeof flags);
    if ((l->values_back == PY_OFF_NONE && !l->inline_values) || !(flags & PY_TPFLAGS_MANAGED_DICT))
        return 0;
    if (l->inline_values) {
        if (!(flags & PY_TPFLAGS_INLINE_VALUES))
            return PY_PREHEADER_SIZE;
        int64_t basic;
        memcpy(&basic, t + PY_TP_BASICSIZE, sizeof basic);
        uint64_t cap = ((const uint8_t *)obj)[basic];  /* then the insertion order, cap bytes */
        return PY_PREHEADER_SIZE + 8 + cap * sizeof(void *) + ((cap + 7) & ~(uint64_t)7);
    }
    memcpy(&v, (const char *)obj - l->values_back, sizeof v);
    if (l->values_tagged) {
        if (!((uintptr_t)v & 1))
            return PY_PREHEADER_SIZE;   /* a dict, counted as one */
        v++;                            /* stored as the address minus one */
    }
    const char *keys;
    memcpy(&keys, t + l->ht_cached_keys, sizeof keys);
    if (!v || !keys)
        return PY_PREHEADER_SIZE;
    int64_t n, usable;
    memcpy(&n, keys + 24, sizeof n);   /* dk_nentries, 3.11+ */
    memcpy(&usable, keys + PY_DK_USABLE, sizeof usable);
    if (n < 0 || usable < 0 || n + usable > 4096)
        return PY_PREHEADER_SIZE;
    /* The capacity is the keys' nentries + usable when the values were
     * made; usable shrinks by one per new instance down to 1, so the first
     * few dozen instances of a class got more than read here.  The block
     * starts with a prefix of capacity + 2 bytes rounded up to 8 (its size
     * is in the byte before the values; not read: a cache miss per
     * instance, for those few). */
    uint64_t cap = (uint64_t)(n + usable);
    return PY_PREHEADER_SIZE + ((cap + 2 + 7) & ~(uint64_t)7) + cap * sizeof(void *);
}

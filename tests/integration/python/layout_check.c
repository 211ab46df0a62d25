/* layout_check.c - compiled by test_py_layout.sh against one CPython's own
 * headers (with Py_BUILD_CORE for the internal frame structs) and linked
 * with preload/python/py_layout.c: compares every offset of the Python layer's
 * built-in table with offsetof() and prints one line per mismatch. */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <frameobject.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#if PY_VERSION_HEX >= 0x030b0000
#include <internal/pycore_frame.h>
#endif
#include "py_layout.h"

static int bad;

static void eq(const char *what, unsigned long mine, unsigned long truth)
{
    if (mine != truth) {
        printf("MISMATCH %s: table %lu, headers %lu\n", what, mine, truth);
        bad = 1;
    }
}
#define EQ(field, truth) eq(#field, (unsigned long)l->field, (unsigned long)(truth))

static unsigned state_bits(void (*set)(PyASCIIObject *))
{
    PyASCIIObject a;
    unsigned s;
    memset(&a, 0, sizeof a);
    set(&a);
    memcpy(&s, (char *)&a + offsetof(PyASCIIObject, state), sizeof s);
    return s;
}
static void set_kind(PyASCIIObject *a) { a->state.kind = 4; }
static void set_compact(PyASCIIObject *a) { a->state.compact = 1; }
static void set_ascii(PyASCIIObject *a) { a->state.ascii = 1; }

int main(void)
{
    const struct py_layout *l = py_layout_for(PY_MINOR_VERSION);
    if (!l) {
        printf("MISMATCH no table for 3.%d\n", PY_MINOR_VERSION);
        return 1;
    }
    eq("PY_OB_TYPE", PY_OB_TYPE, offsetof(PyObject, ob_type));
    eq("PY_OB_SIZE", PY_OB_SIZE, offsetof(PyVarObject, ob_size));
    eq("PY_TP_NAME", PY_TP_NAME, offsetof(PyTypeObject, tp_name));
    eq("PY_TP_BASICSIZE", PY_TP_BASICSIZE, offsetof(PyTypeObject, tp_basicsize));
    eq("PY_TP_ITEMSIZE", PY_TP_ITEMSIZE, offsetof(PyTypeObject, tp_itemsize));
    eq("PY_TP_FLAGS", PY_TP_FLAGS, offsetof(PyTypeObject, tp_flags));
    eq("PY_TPFLAGS_LIST_SUBCLASS", PY_TPFLAGS_LIST_SUBCLASS, Py_TPFLAGS_LIST_SUBCLASS);
    eq("PY_TPFLAGS_DICT_SUBCLASS", PY_TPFLAGS_DICT_SUBCLASS, Py_TPFLAGS_DICT_SUBCLASS);
    eq("PY_LIST_ALLOCATED", PY_LIST_ALLOCATED, offsetof(PyListObject, allocated));
    eq("PY_SET_MASK", PY_SET_MASK, offsetof(PySetObject, mask));
    eq("PY_SET_TABLE", PY_SET_TABLE, offsetof(PySetObject, table));
    eq("PY_SET_SMALLTABLE", PY_SET_SMALLTABLE, offsetof(PySetObject, smalltable));
    eq("PY_SET_ENTRY_SIZE", PY_SET_ENTRY_SIZE, sizeof(setentry));
#if PY_VERSION_HEX < 0x030b0000
    EQ(ts_frame, offsetof(PyThreadState, frame));
    EQ(cframe_current, PY_OFF_NONE);
    EQ(fr_back, offsetof(PyFrameObject, f_back));
    EQ(fr_code, offsetof(PyFrameObject, f_code));
    EQ(fr_instr, offsetof(PyFrameObject, f_lasti));
    EQ(fr_owner, PY_OFF_NONE);
    EQ(co_qualname, PY_OFF_NONE);
    EQ(co_code_adaptive, PY_OFF_NONE);
    EQ(co_firsttraceable, PY_OFF_NONE);
    EQ(owner_generator, -1);
    EQ(instr_kind, PY_MINOR_VERSION == 9 ? PY_INSTR_LASTI_BYTES : PY_INSTR_LASTI_UNITS);
#else
#if PY_VERSION_HEX < 0x030d0000
    EQ(ts_frame, offsetof(PyThreadState, cframe));
    EQ(cframe_current, offsetof(_PyCFrame, current_frame));
    EQ(fr_code, offsetof(_PyInterpreterFrame, f_code));
    EQ(fr_instr, offsetof(_PyInterpreterFrame, prev_instr));
#else
    EQ(ts_frame, offsetof(PyThreadState, current_frame));
    EQ(cframe_current, PY_OFF_NONE);
    EQ(fr_code, offsetof(_PyInterpreterFrame, f_executable));
    EQ(fr_instr, offsetof(_PyInterpreterFrame, instr_ptr));
#endif
    EQ(fr_back, offsetof(_PyInterpreterFrame, previous));
    EQ(fr_owner, offsetof(_PyInterpreterFrame, owner));
    eq("sizeof owner", 1, sizeof(((_PyInterpreterFrame *)0)->owner));
    EQ(co_qualname, offsetof(PyCodeObject, co_qualname));
    EQ(co_code_adaptive, offsetof(PyCodeObject, co_code_adaptive));
    EQ(co_firsttraceable, offsetof(PyCodeObject, _co_firsttraceable));
    eq("sizeof _co_firsttraceable", 4, sizeof(((PyCodeObject *)0)->_co_firsttraceable));
    EQ(owner_generator, FRAME_OWNED_BY_GENERATOR);
    EQ(instr_kind, PY_INSTR_PTR);
#if PY_VERSION_HEX >= 0x030c0000
    EQ(owner_cstack, FRAME_OWNED_BY_CSTACK);
#else
    EQ(owner_cstack, -1);
#endif
#endif
    EQ(co_filename, offsetof(PyCodeObject, co_filename));
    EQ(co_name, offsetof(PyCodeObject, co_name));
    EQ(co_firstlineno, offsetof(PyCodeObject, co_firstlineno));
    eq("sizeof co_firstlineno", 4, sizeof(((PyCodeObject *)0)->co_firstlineno));
    EQ(str_length, offsetof(PyASCIIObject, length));
    EQ(str_state, offsetof(PyASCIIObject, state));
    EQ(str_ascii_size, sizeof(PyASCIIObject));
    EQ(str_compact_size, sizeof(PyCompactUnicodeObject));
    eq("PY_STR_KIND bits", PY_STR_KIND(state_bits(set_kind)), 4);
    eq("PY_STR_COMPACT bits", PY_STR_COMPACT(state_bits(set_compact)), 1);
    eq("PY_STR_ASCII bits", PY_STR_ASCII(state_bits(set_ascii)), 1);
    eq("PY_STR_* other bits", PY_STR_KIND(state_bits(set_compact)) | PY_STR_ASCII(state_bits(set_kind)), 0);
#ifdef CHECK_DEBUG_OFFSETS
    extern char _PyRuntime[];  /* its first member is _Py_DebugOffsets */
    /* 3.13: the offsets published in the running library's _PyRuntime. */
    struct py_layout d = *l;
    if (py_layout_from_debug_offsets(_PyRuntime, PY_VERSION_HEX, &d) != 0) {
        printf("MISMATCH _Py_DebugOffsets not recognised\n");
        bad = 1;
    } else if (memcmp(&d, l, sizeof d) != 0) {
        printf("MISMATCH _Py_DebugOffsets disagree with the table\n");
        bad = 1;
    } else {
        printf("_Py_DebugOffsets of the running library agree\n");
    }
#endif
    int ma, mi, mc;
    if (py_parse_version(PY_VERSION, &ma, &mi, &mc) != 0 || ma != PY_MAJOR_VERSION ||
        mi != PY_MINOR_VERSION || mc != PY_MICRO_VERSION) {
        printf("MISMATCH version string %s parsed as %d.%d.%d\n", PY_VERSION, ma, mi, mc);
        bad = 1;
    }
    if (!bad)
        printf("3.%d (%s): every offset matches the headers\n", PY_MINOR_VERSION, PY_VERSION);
    return bad;
}

/* layout_check.c - compiled by test_py_layout.sh against one CPython's own
 * headers (with Py_BUILD_CORE for the internal frame structs) and linked
 * with preload/python/py_layout.c: compares every offset of the Python layer's
 * built-in table and of py_layout.h with offsetof() (or sizeof, or the
 * header's own constant) and prints one line per mismatch. */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <frameobject.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#if PY_VERSION_HEX >= 0x030b0000
#include <internal/pycore_frame.h>
#include <internal/pycore_dict.h>
#include <internal/pycore_object.h>
#endif
#include <internal/pycore_interp.h>
#include <internal/pycore_gc.h>
#if PY_VERSION_HEX >= 0x030d0000
#include <internal/pycore_runtime.h>
#endif
#include "py_layout.h"

static int bad;
static void deep_checks(void);

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
    eq("sizeof tp_flags", sizeof(unsigned long), sizeof(((PyTypeObject *)0)->tp_flags));
    eq("PY_TP_GETATTRO", PY_TP_GETATTRO, offsetof(PyTypeObject, tp_getattro));
    eq("PY_TP_TRAVERSE", PY_TP_TRAVERSE, offsetof(PyTypeObject, tp_traverse));
    eq("PY_TP_BASE", PY_TP_BASE, offsetof(PyTypeObject, tp_base));
    eq("PY_TP_DICT", PY_TP_DICT, offsetof(PyTypeObject, tp_dict));
    eq("PY_TP_BASES", PY_TP_BASES, offsetof(PyTypeObject, tp_bases));
    eq("PY_TP_MRO", PY_TP_MRO, offsetof(PyTypeObject, tp_mro));
    eq("PY_TPFLAGS_HEAPTYPE", PY_TPFLAGS_HEAPTYPE, Py_TPFLAGS_HEAPTYPE);
    eq("PY_TPFLAGS_LIST_SUBCLASS", PY_TPFLAGS_LIST_SUBCLASS, Py_TPFLAGS_LIST_SUBCLASS);
    eq("PY_TPFLAGS_TUPLE_SUBCLASS", PY_TPFLAGS_TUPLE_SUBCLASS, Py_TPFLAGS_TUPLE_SUBCLASS);
    eq("PY_TPFLAGS_UNICODE_SUBCLASS", PY_TPFLAGS_UNICODE_SUBCLASS, Py_TPFLAGS_UNICODE_SUBCLASS);
    eq("PY_TPFLAGS_DICT_SUBCLASS", PY_TPFLAGS_DICT_SUBCLASS, Py_TPFLAGS_DICT_SUBCLASS);
    eq("PY_TPFLAGS_BASE_EXC_SUBCLASS", PY_TPFLAGS_BASE_EXC_SUBCLASS, Py_TPFLAGS_BASE_EXC_SUBCLASS);
    eq("PY_TPFLAGS_TYPE_SUBCLASS", PY_TPFLAGS_TYPE_SUBCLASS, Py_TPFLAGS_TYPE_SUBCLASS);
    eq("PY_CELL_REF", PY_CELL_REF, offsetof(PyCellObject, ob_ref));
    eq("PY_EXC_DICT", PY_EXC_DICT, offsetof(PyBaseExceptionObject, dict));
    eq("PY_EXC_ARGS", PY_EXC_ARGS, offsetof(PyBaseExceptionObject, args));
    EQ(exc_traceback, offsetof(PyBaseExceptionObject, traceback));
    EQ(exc_context, offsetof(PyBaseExceptionObject, context));
    EQ(exc_cause, offsetof(PyBaseExceptionObject, cause));
    /* The gc's lists (py_heap.c). */
    eq("PY_GC_HEAD_SIZE", PY_GC_HEAD_SIZE, sizeof(PyGC_Head));
    eq("PyGC_Head._gc_next", 0, offsetof(PyGC_Head, _gc_next));
    eq("PyGC_Head._gc_prev", sizeof(void *), offsetof(PyGC_Head, _gc_prev));
    eq("PY_GC_PREV_FLAGS", PY_GC_PREV_FLAGS, ~_PyGC_PREV_MASK);
    eq("PY_GC_GENERATIONS", PY_GC_GENERATIONS, offsetof(struct _gc_runtime_state, generations));
    eq("PY_GC_GEN_SIZE", PY_GC_GEN_SIZE, sizeof(struct gc_generation));
    eq("gc_generation.head", 0, offsetof(struct gc_generation, head));
    eq("PY_GC_GEN_THRESHOLD", PY_GC_GEN_THRESHOLD, offsetof(struct gc_generation, threshold));
    eq("PY_GC_NGEN", PY_GC_NGEN, NUM_GENERATIONS);
    eq("PY_GC_GENERATION0", PY_GC_GENERATION0, offsetof(struct _gc_runtime_state, generation0));
    EQ(interp_gc, offsetof(PyInterpreterState, gc));
#if PY_VERSION_HEX >= 0x030d0000
    eq("PY_DEBUG_FREE_THREADED", PY_DEBUG_FREE_THREADED, offsetof(_Py_DebugOffsets, free_threaded));
#endif
    eq("PY_LIST_ALLOCATED", PY_LIST_ALLOCATED, offsetof(PyListObject, allocated));
    eq("PY_SET_MASK", PY_SET_MASK, offsetof(PySetObject, mask));
    eq("PY_SET_TABLE", PY_SET_TABLE, offsetof(PySetObject, table));
    eq("PY_SET_SMALLTABLE", PY_SET_SMALLTABLE, offsetof(PySetObject, smalltable));
    eq("PY_SET_ENTRY_SIZE", PY_SET_ENTRY_SIZE, sizeof(setentry));
    EQ(ts_thread_id, offsetof(PyThreadState, thread_id));
    eq("sizeof thread_id", sizeof(unsigned long), sizeof(((PyThreadState *)0)->thread_id));
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
    EQ(fo_localsplus, offsetof(PyFrameObject, f_localsplus));
    EQ(fo_frame, PY_OFF_NONE);
    EQ(if_localsplus, PY_OFF_NONE);
    EQ(exc_notes, PY_OFF_NONE);
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
    EQ(fo_localsplus, PY_OFF_NONE);
    EQ(fo_frame, offsetof(PyFrameObject, f_frame));
    EQ(if_localsplus, offsetof(_PyInterpreterFrame, localsplus));
    EQ(exc_notes, offsetof(PyBaseExceptionObject, notes));
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
    deep_checks();
#ifdef CHECK_DEBUG_OFFSETS
    /* 3.13: the offsets published in the running library's _PyRuntime
     * (pycore_runtime.h), whose first member is _Py_DebugOffsets. */
    struct py_layout d = *l;
    if (py_layout_from_debug_offsets(&_PyRuntime, PY_VERSION_HEX, &d) != 0) {
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

/* The deep census's table (struct py_deep_layout) and constants: offsetof
 * where the headers declare the struct; with CHECK_RUNTIME (linked with
 * libpython) also on live objects, which is the only check for the dict
 * keys of 3.9 and 3.10 (their struct is in Objects/dict-common.h). */
#define DQ(field, truth) eq("deep " #field, (unsigned long)dl->field, (unsigned long)(truth))

#ifdef CHECK_RUNTIME
static PyObject *seen[256];
static int nseen;

static int collect(PyObject *o, void *arg)
{
    (void)arg;
    if (nseen < 256)
        seen[nseen++] = o;
    return 0;
}

/* Whether the dict type's own traverse visits any of d's keys. */
static int traverse_visits_keys(PyObject *d)
{
    nseen = 0;
    Py_TYPE(d)->tp_traverse(d, collect, NULL);
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(d, &pos, &key, &value))
        for (int i = 0; i < nseen; i++)
            if (seen[i] == key)
                return 1;
    return 0;
}

/* 3.9/3.10: the lookup function of general tables, from a dict with an
 * int key (as py_deep.c learns it). */
static const void *general_lookup(const struct py_deep_layout *dl)
{
    if (dl->dk_lookup == PY_OFF_NONE)
        return NULL;
    PyObject *g = PyDict_New(), *one = PyLong_FromLong(1);
    PyDict_SetItem(g, one, Py_None);
    const void *f = *(void **)(*(char **)((char *)g + PY_DICT_KEYS) + dl->dk_lookup);
    Py_DECREF(one);
    Py_DECREF(g);
    return f;
}

/* Every key PyDict_Next gives is found by py_dict_keys_of, and no other;
 * "untraversed" says whether the gc's traverse skips the keys. */
static void check_dict(const struct py_deep_layout *dl, const char *what, PyObject *d)
{
    struct py_dict_keys k;
    if (py_dict_keys_of(dl, d, general_lookup(dl), &k) != 0) {
        printf("MISMATCH runtime: %s: keys table not recognised\n", what);
        bad = 1;
        return;
    }
    Py_ssize_t pos = 0, found = 0, listed = 0;
    PyObject *key, *value;
    while (PyDict_Next(d, &pos, &key, &value)) {
        listed++;
        for (int64_t i = 0; i < k.n; i++)
            if (*(PyObject **)(k.entries + i * k.stride + k.key_off) == key) {
                found++;
                break;
            }
    }
    Py_ssize_t counted = 0;
    for (int64_t i = 0; i < k.n; i++) {
        const char *e = k.entries + i * k.stride;
        if (*(PyObject **)(e + k.key_off) && (k.value_off == PY_OFF_NONE || *(PyObject **)(e + k.value_off)))
            counted++;
    }
    if (listed && k.untraversed == traverse_visits_keys(d)) {
        printf("MISMATCH runtime: %s: untraversed %d, but the traverse %s the keys\n", what, k.untraversed,
               k.untraversed ? "visits" : "skips");
        bad = 1;
    }
    if (found != listed || (k.value_off != PY_OFF_NONE && counted != listed)) {
        printf("MISMATCH runtime: %s: %zd keys, %zd found through the table, %zd entries counted\n", what,
               listed, found, counted);
        bad = 1;
    }
}

static void runtime_checks(const struct py_deep_layout *dl)
{
    Py_InitializeEx(0);
    PyObject *g = PyDict_New();
    PyDict_SetItemString(g, "__builtins__", PyEval_GetBuiltins());
    PyObject *r = PyRun_String(
        "class C:\n"
        "    def __init__(self): self.a = 1; self.b = 'x'\n"
        "c1, c2 = C(), C()\n"
        "split = c1.__dict__\n"
        "strkeys = {'k%d' % i: i for i in range(100)}\n"
        "general = {(i,): str(i) for i in range(100)}\n"
        "mixed = {1: 2, 'a': 3, 2.5: None}\n"
        "wide = {'w%d' % i: None for i in range(70000)}\n"
        "holes = dict(strkeys)\n"
        "for i in range(0, 100, 3): del holes['k%d' % i]\n"
        "gholes = dict(general)\n"
        "for i in range(0, 100, 3): del gholes[(i,)]\n"
        "empty = {}\n",
        Py_file_input, g, g);
    if (!r) {
        PyErr_Print();
        printf("MISMATCH runtime: the test objects could not be made\n");
        bad = 1;
        return;
    }
    Py_DECREF(r);
    static const char *const names[] = {"split", "strkeys", "general", "mixed", "wide", "holes", "gholes", "empty"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        check_dict(dl, names[i], PyDict_GetItemString(g, names[i]));
    /* an int's size word as the table reads it */
    PyObject *big = PyLong_FromString("123456789012345678901234567890", NULL, 10);
    Py_ssize_t word = *(Py_ssize_t *)((char *)big + PY_OB_SIZE);
    Py_ssize_t digits = dl->long_tag ? (Py_ssize_t)((size_t)word >> PY_LONG_TAG_SHIFT) : word;
    PyObject *sz = PyObject_CallMethod(big, "__sizeof__", NULL);
    eq("deep int digits", (unsigned long)digits,
       (unsigned long)(((size_t)PyLong_AsSsize_t(sz) - (size_t)Py_TYPE(big)->tp_basicsize) / sizeof(digit)));
    Py_XDECREF(sz);
    Py_DECREF(big);
#if PY_VERSION_HEX >= 0x030b0000
    /* an instance's values where the interpreter's own accessors find them */
    PyObject *inst = PyDict_GetItemString(g, "c2");
#if PY_VERSION_HEX < 0x030c0000
    eq("deep values_back", dl->values_back, (unsigned long)((char *)inst - (char *)_PyObject_ValuesPointer(inst)));
#elif PY_VERSION_HEX < 0x030d0000
    eq("deep values_back", dl->values_back,
       (unsigned long)((char *)inst - (char *)_PyObject_DictOrValuesPointer(inst)));
    eq("deep values tag", 1, (unsigned long)(_PyDictOrValues_IsValues(*_PyObject_DictOrValuesPointer(inst)) &&
                                          (char *)_PyDictOrValues_GetValues(*_PyObject_DictOrValuesPointer(inst)) ==
                                              *(char **)((char *)inst - dl->values_back) + 1));
#else
    eq("deep inline values", (unsigned long)Py_TYPE(inst)->tp_basicsize,
       (unsigned long)((char *)_PyObject_InlineValues(inst) - (char *)inst));
    eq("deep inline values size", (unsigned long)py_instance_values_bytes(dl, inst) - PY_PREHEADER_SIZE,
       (unsigned long)_PyInlineValuesSize(Py_TYPE(inst)));
#endif
#endif
    /* a deque's blocks, as py_deque_blocks_bytes reads them, against its __sizeof__ */
    r = PyRun_String("import collections\n"
                     "dq = collections.deque(range(1000))\n"
                     "for i in range(70): dq.popleft()\n"
                     "dq_size = dq.__sizeof__()\n",
                     Py_file_input, g, g);
    if (!r) {
        PyErr_Print();
        bad = 1;
    } else {
        Py_DECREF(r);
        PyObject *dq = PyDict_GetItemString(g, "dq");
        eq("deque blocks", (unsigned long)(Py_TYPE(dq)->tp_basicsize + py_deque_blocks_bytes(dq)),
           (unsigned long)PyLong_AsLong(PyDict_GetItemString(g, "dq_size")));
    }
    Py_DECREF(g);
    printf("runtime: dict keys, int sizes, deque blocks and instance values read through the table agree; ");
}
#endif

static void deep_checks(void)
{
    const struct py_deep_layout *dl = py_deep_layout_for(PY_MINOR_VERSION);
    if (!dl) {
        printf("MISMATCH no deep table for 3.%d\n", PY_MINOR_VERSION);
        bad = 1;
        return;
    }
    eq("PY_TP_TRAVERSE", PY_TP_TRAVERSE, offsetof(PyTypeObject, tp_traverse));
    eq("PY_TP_IS_GC", PY_TP_IS_GC, offsetof(PyTypeObject, tp_is_gc));
    eq("PY_GC_HEAD_SIZE", PY_GC_HEAD_SIZE, sizeof(PyGC_Head));
    eq("PY_TPFLAGS_HAVE_GC", PY_TPFLAGS_HAVE_GC, Py_TPFLAGS_HAVE_GC);
    eq("PY_TPFLAGS_LONG_SUBCLASS", PY_TPFLAGS_LONG_SUBCLASS, Py_TPFLAGS_LONG_SUBCLASS);
    eq("PY_TPFLAGS_TUPLE_SUBCLASS", PY_TPFLAGS_TUPLE_SUBCLASS, Py_TPFLAGS_TUPLE_SUBCLASS);
    eq("PY_TPFLAGS_BYTES_SUBCLASS", PY_TPFLAGS_BYTES_SUBCLASS, Py_TPFLAGS_BYTES_SUBCLASS);
    eq("PY_TPFLAGS_UNICODE_SUBCLASS", PY_TPFLAGS_UNICODE_SUBCLASS, Py_TPFLAGS_UNICODE_SUBCLASS);
    eq("PY_DICT_KEYS", PY_DICT_KEYS, offsetof(PyDictObject, ma_keys));
    eq("PY_DICT_VALUES", PY_DICT_VALUES, offsetof(PyDictObject, ma_values));
    eq("PY_BYTEARRAY_ALLOC", PY_BYTEARRAY_ALLOC, offsetof(PyByteArrayObject, ob_alloc));
#if PY_VERSION_HEX < 0x030c0000
    DQ(str_wstr, offsetof(PyASCIIObject, wstr));
    DQ(str_wstr_length, offsetof(PyCompactUnicodeObject, wstr_length));
    DQ(long_tag, 0);
#else
    DQ(str_wstr, PY_OFF_NONE);
    DQ(str_wstr_length, PY_OFF_NONE);
    DQ(long_tag, 1);
    eq("PY_LONG_TAG_SHIFT", PY_LONG_TAG_SHIFT, _PyLong_NON_SIZE_BITS);
#endif
    DQ(str_utf8_length, offsetof(PyCompactUnicodeObject, utf8_length));
    DQ(str_utf8, offsetof(PyCompactUnicodeObject, utf8));
#if PY_VERSION_HEX >= 0x030b0000
    DQ(dk_size, PY_OFF_NONE);
    DQ(dk_log2_index_bytes, offsetof(PyDictKeysObject, dk_log2_index_bytes));
    DQ(dk_kind, offsetof(PyDictKeysObject, dk_kind));
    DQ(dk_nentries, offsetof(PyDictKeysObject, dk_nentries));
    DQ(dk_indices, offsetof(PyDictKeysObject, dk_indices));
    eq("PY_DK_ENTRY_GENERAL", PY_DK_ENTRY_GENERAL, sizeof(PyDictKeyEntry));
    eq("general me_key", 8, offsetof(PyDictKeyEntry, me_key));
    eq("general me_value", 16, offsetof(PyDictKeyEntry, me_value));
    eq("PY_DK_ENTRY_UNICODE", PY_DK_ENTRY_UNICODE, sizeof(PyDictUnicodeEntry));
    eq("unicode me_key", 0, offsetof(PyDictUnicodeEntry, me_key));
    eq("unicode me_value", 8, offsetof(PyDictUnicodeEntry, me_value));
    eq("PY_DK_KIND_GENERAL", PY_DK_KIND_GENERAL, DICT_KEYS_GENERAL);
    eq("sizeof dk_kind", 1, sizeof(((PyDictKeysObject *)0)->dk_kind));
    eq("PY_TPFLAGS_MANAGED_DICT", PY_TPFLAGS_MANAGED_DICT, Py_TPFLAGS_MANAGED_DICT);
    eq("PY_PREHEADER_SIZE", PY_PREHEADER_SIZE, 2 * sizeof(PyObject *));
    eq("PY_DK_USABLE", PY_DK_USABLE, offsetof(PyDictKeysObject, dk_usable));
#if PY_VERSION_HEX < 0x030d0000
    DQ(ht_cached_keys, offsetof(PyHeapTypeObject, ht_cached_keys));
    DQ(inline_values, 0);
#else
    DQ(values_back, PY_OFF_NONE);
    DQ(inline_values, 1);
    eq("PY_TPFLAGS_INLINE_VALUES", PY_TPFLAGS_INLINE_VALUES, Py_TPFLAGS_INLINE_VALUES);
    eq("PyDictValues header", 8, offsetof(PyDictValues, values));
#endif
    DQ(fr_localsplus, offsetof(_PyInterpreterFrame, localsplus));
    DQ(co_nlocalsplus, offsetof(PyCodeObject, co_nlocalsplus));
    eq("sizeof co_nlocalsplus", 4, sizeof(((PyCodeObject *)0)->co_nlocalsplus));
#else
    DQ(fr_localsplus, PY_OFF_NONE);
    DQ(co_nlocalsplus, PY_OFF_NONE);
#endif
#ifdef CHECK_RUNTIME
    runtime_checks(dl);
#else
    printf("(no libpython to check the dict keys on live objects) ");
#endif
}

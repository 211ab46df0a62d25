/* py_layout.h - where the Python layer finds things inside CPython's structs.
 *
 * The frame walker (py_frames.c) reads a thread's frame chain and the code
 * objects on it directly, without calling the interpreter, so it needs the
 * byte offsets of a handful of fields.  They differ per minor version; this
 * file holds one table per supported version (3.9-3.13), checked against
 * each installed interpreter's own headers by
 * tests/integration/python/test_py_layout.sh, and for 3.13 the offsets are
 * taken from the interpreter's published _Py_DebugOffsets when present.
 * Pure data: no interpreter calls, so the test links it on its own.
 */
#ifndef PY_LAYOUT_H
#define PY_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define PY_OFF_NONE ((uint32_t)0xffffffffu)

/* How a frame says where it is in its code. */
enum py_instr_kind {
    PY_INSTR_LASTI_BYTES = 0,  /* 3.9: int f_lasti, a byte offset */
    PY_INSTR_LASTI_UNITS = 1,  /* 3.10: int f_lasti, in 2-byte code units */
    PY_INSTR_PTR = 2           /* 3.11+: pointer into the code object's
                                  co_code_adaptive (prev_instr/instr_ptr) */
};

struct py_layout {
    int minor;                 /* 3.<minor> */
    /* PyThreadState -> the top frame: either the frame itself (3.9, 3.10,
     * 3.13) or a _PyCFrame whose current_frame field is the frame. */
    uint32_t ts_frame;
    uint32_t cframe_current;   /* PY_OFF_NONE when ts_frame is the frame */
    /* A frame (PyFrameObject before 3.11, _PyInterpreterFrame since). */
    uint32_t fr_back;
    uint32_t fr_code;
    uint32_t fr_instr;
    uint32_t fr_owner;         /* char; PY_OFF_NONE before 3.11 */
    int owner_cstack;          /* owner value of C-stack shim frames, -1 if none */
    int owner_generator;       /* owner value of a generator's frame, -1 before 3.11 */
    enum py_instr_kind instr_kind;
    /* PyCodeObject. */
    uint32_t co_filename;
    uint32_t co_name;
    uint32_t co_qualname;      /* PY_OFF_NONE before 3.11 */
    uint32_t co_firstlineno;   /* int */
    uint32_t co_code_adaptive; /* PY_OFF_NONE before 3.11 */
    /* int _co_firsttraceable: index (code units) of the first traceable
     * instruction (RESUME); a frame whose instruction pointer lies before
     * it is "incomplete" (_PyFrame_IsIncomplete).  PY_OFF_NONE before 3.11. */
    uint32_t co_firsttraceable;
    /* str objects (compact forms only). */
    uint32_t str_length;
    uint32_t str_state;
    uint32_t str_ascii_size;   /* sizeof(PyASCIIObject): ASCII data follows */
    uint32_t str_compact_size; /* sizeof(PyCompactUnicodeObject) */
};

/* Fixed across 3.9-3.13 (checked by the layout test too). */
#define PY_OB_TYPE       8u   /* PyObject.ob_type */
#define PY_OB_SIZE       16u  /* PyVarObject.ob_size */
#define PY_TP_NAME       24u  /* PyTypeObject.tp_name */
#define PY_TP_BASICSIZE  32u
#define PY_TP_ITEMSIZE   40u
#define PY_TP_FLAGS      168u /* PyTypeObject.tp_flags (unsigned long) */
#define PY_TPFLAGS_LIST_SUBCLASS (1ul << 25)
#define PY_TPFLAGS_DICT_SUBCLASS (1ul << 29)
/* Containers' separately allocated storage (the census's owned bytes). */
#define PY_LIST_ALLOCATED  32u /* PyListObject.allocated: slots of ob_item */
#define PY_SET_MASK        32u /* PySetObject.mask: table slots - 1 */
#define PY_SET_TABLE       40u /* PySetObject.table */
#define PY_SET_SMALLTABLE  64u /* PySetObject.smalltable (inline, 8 entries) */
#define PY_SET_ENTRY_SIZE  16u /* sizeof(setentry) */
/* PyASCIIObject.state bit-field on little-endian gcc: kind (3 bits),
 * compact, ascii. */
#define PY_STR_KIND(s)    (((s) >> 2) & 7u)
#define PY_STR_COMPACT(s) (((s) >> 5) & 1u)
#define PY_STR_ASCII(s)   (((s) >> 6) & 1u)

/* The built-in table for 3.<minor>, or NULL for a version we do not know. */
const struct py_layout *py_layout_for(int minor);

/* Fill *out from 3.13's _Py_DebugOffsets (the start of _PyRuntime), keeping
 * the built-in values for what it does not publish.  Returns 0 on success,
 * -1 when the cookie or the version does not match (out untouched). */
int py_layout_from_debug_offsets(const void *runtime, uint64_t version_hex,
                                 struct py_layout *out);

/* "3.11.7 (main, ...)" -> major, minor, micro; 0 on success. */
int py_parse_version(const char *s, int *major, int *minor, int *micro);

#endif

/* py_layout.h - where the Python layer finds things inside CPython's structs.
 *
 * The frame walker (py_frames.c) reads a thread's frame chain and the code
 * objects on it directly, without calling the interpreter, so it needs the
 * byte offsets of a handful of fields; so do the census (object sizes, the
 * gc's lists of objects: py_census.c, py_heap.c) and the holders search
 * (type objects, exceptions, frame locals: py_holders*.c).  Every CPython
 * offset the layer reads is here.  They differ per minor version; this
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
    /* PyThreadState.thread_id (unsigned long, the pthread_t of the thread
     * that made it): does the thread state running now belong to this
     * thread (py_frames.c, sub-interpreters on 3.9-3.11). */
    uint32_t ts_thread_id;
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
    /* The holders' edge labels (py_holders_edge.c). */
    uint32_t fo_localsplus;    /* PyFrameObject.f_localsplus; PY_OFF_NONE from 3.11 */
    uint32_t fo_frame;         /* PyFrameObject.f_frame (3.11+), else PY_OFF_NONE */
    uint32_t if_localsplus;    /* _PyInterpreterFrame.localsplus (3.11+), else PY_OFF_NONE */
    uint32_t exc_notes;        /* PyBaseExceptionObject.notes (3.11+), else PY_OFF_NONE */
    uint32_t exc_traceback;
    uint32_t exc_context;
    uint32_t exc_cause;
    /* The census's walk over the gc's lists (py_heap.c). */
    uint32_t interp_gc;        /* PyInterpreterState.gc (struct _gc_runtime_state) */
};

/* Fixed across 3.9-3.13 (checked by the layout test too). */
#define PY_OB_TYPE       8u   /* PyObject.ob_type */
#define PY_OB_SIZE       16u  /* PyVarObject.ob_size */
#define PY_TP_NAME       24u  /* PyTypeObject.tp_name */
#define PY_TP_BASICSIZE  32u
#define PY_TP_ITEMSIZE   40u
#define PY_TP_GETATTRO   144u
#define PY_TP_FLAGS      168u /* PyTypeObject.tp_flags (unsigned long) */
#define PY_TP_TRAVERSE   184u
#define PY_TP_BASE       256u
#define PY_TP_DICT       264u
#define PY_TP_BASES      336u
#define PY_TP_MRO        344u
#define PY_TPFLAGS_HEAPTYPE         (1ul << 9)
#define PY_TPFLAGS_LIST_SUBCLASS    (1ul << 25)
#define PY_TPFLAGS_TUPLE_SUBCLASS   (1ul << 26)
#define PY_TPFLAGS_UNICODE_SUBCLASS (1ul << 28)
#define PY_TPFLAGS_DICT_SUBCLASS    (1ul << 29)
#define PY_TPFLAGS_BASE_EXC_SUBCLASS (1ul << 30)
#define PY_TPFLAGS_TYPE_SUBCLASS    (1ul << 31)
#define PY_CELL_REF        16u /* PyCellObject.ob_ref */
#define PY_EXC_DICT        16u /* PyBaseExceptionObject.dict */
#define PY_EXC_ARGS        24u /* PyBaseExceptionObject.args */
/* The gc: every tracked object is preceded by a PyGC_Head (two words:
 * _gc_next, the next head's address; _gc_prev, the previous one's with
 * two flag bits below), linked into its generation's circular list, whose
 * sentinel is the generation's own head.  struct _gc_runtime_state holds
 * struct gc_generation { PyGC_Head head; int threshold; int count; }[3]
 * and then generation0, a pointer to the first of them. */
#define PY_GC_HEAD_SIZE    16u /* sizeof(PyGC_Head) */
#define PY_GC_PREV_FLAGS   3u  /* _PyGC_PREV_MASK_FINALIZED | _COLLECTING */
#define PY_GC_GENERATIONS  24u /* offsetof(struct _gc_runtime_state, generations) */
#define PY_GC_GEN_SIZE     24u /* sizeof(struct gc_generation) */
#define PY_GC_GEN_THRESHOLD 16u /* offsetof(struct gc_generation, threshold) */
#define PY_GC_NGEN         3u  /* NUM_GENERATIONS */
#define PY_GC_GENERATION0  96u /* offsetof(struct _gc_runtime_state, generation0) */
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

/* 3.13's _Py_DebugOffsets (at the start of _PyRuntime): after the 8-byte
 * cookie "xdebugpy" and the version, whether the build is free-threaded. */
#define PY_DEBUG_FREE_THREADED 16u

/* The built-in table for 3.<minor>, or NULL for a version we do not know. */
const struct py_layout *py_layout_for(int minor);

/* Fill *out from 3.13's _Py_DebugOffsets (the start of _PyRuntime), keeping
 * the built-in values for what it does not publish.  Returns 0 on success,
 * -1 when the cookie or the version does not match (out untouched). */
int py_layout_from_debug_offsets(const void *runtime, uint64_t version_hex,
                                 struct py_layout *out);

/* "3.11.7 (main, ...)" -> major, minor, micro; 0 on success. */
int py_parse_version(const char *s, int *major, int *minor, int *micro);

/* The deep census (py_deep.c): what it reads of objects the gc does not
 * track, in a table of its own per version.  Checked like the frame
 * table by tests/integration/python/test_py_layout.sh: against the
 * headers where they declare the struct, and on the running interpreter
 * (layout_check.c embeds it) for the dict keys of 3.9 and 3.10, whose
 * struct lives in a source file. */
struct py_deep_layout {
    int minor;
    /* str: the separately allocated copies its __sizeof__ counts (wstr:
     * 3.9-3.11, PY_OFF_NONE since). */
    uint32_t str_wstr;         /* PyASCIIObject.wstr */
    uint32_t str_wstr_length;  /* PyCompactUnicodeObject.wstr_length */
    uint32_t str_utf8_length;  /* PyCompactUnicodeObject.utf8_length */
    uint32_t str_utf8;         /* PyCompactUnicodeObject.utf8 */
    /* int: 1 when the size word is lv_tag (3.12+): digits = tag >> 3 and
     * __sizeof__ counts at least one; 0 when it is the signed ob_size. */
    int long_tag;
    /* A dict's keys table (PyDictKeysObject), read for the keys the gc's
     * traverse skips.  3.9/3.10: Py_ssize_t dk_size index slots, an index
     * entry of 1-8 bytes by dk_size, general entries; 3.11+: uint8_t
     * dk_log2_index_bytes and dk_kind (0 general, else str keys). */
    uint32_t dk_size;             /* PY_OFF_NONE since 3.11 */
    uint32_t dk_lookup;           /* 3.9/3.10: the lookup function, which says general or not */
    uint32_t dk_log2_index_bytes; /* PY_OFF_NONE before 3.11 */
    uint32_t dk_kind;             /* PY_OFF_NONE before 3.11 */
    uint32_t dk_nentries;
    uint32_t dk_indices;
    /* The locals of the frames threads are running, which the gc does not
     * see (3.11+; before, the frame object's traverse visits them):
     * _PyInterpreterFrame.localsplus and PyCodeObject.co_nlocalsplus (int). */
    uint32_t fr_localsplus;
    uint32_t co_nlocalsplus;
    /* Instances' attribute values (types with Py_TPFLAGS_MANAGED_DICT,
     * 3.11+): 3.11/3.12 keep them apart, their pointer values_back bytes
     * before the object (3.12: the address minus one, so the low bit is set), in a block
     * of a prefix (its size in the byte before the values) and capacity
     * pointers, capacity being the type's shared keys' dk_nentries +
     * dk_usable (ht_cached_keys); 3.13 keeps them inline after
     * tp_basicsize, a uint8_t capacity first, 8 bytes of header.
     * PY_OFF_NONE where they do not apply. */
    uint32_t values_back;
    int values_tagged;
    uint32_t ht_cached_keys;
    int inline_values;
};
/* Fixed across 3.9-3.13 (checked by the layout test). */
#define PY_TP_TRAVERSE      184u /* PyTypeObject.tp_traverse */
#define PY_TP_IS_GC         328u /* PyTypeObject.tp_is_gc */
#define PY_GC_HEAD_SIZE     16u  /* PyGC_Head just before the object: _gc_next, 0 when untracked */
#define PY_TPFLAGS_HAVE_GC          (1ul << 14)
#define PY_TPFLAGS_LONG_SUBCLASS    (1ul << 24)
#define PY_TPFLAGS_TUPLE_SUBCLASS   (1ul << 26)
#define PY_TPFLAGS_BYTES_SUBCLASS   (1ul << 27)
#define PY_TPFLAGS_UNICODE_SUBCLASS (1ul << 28)
#define PY_DICT_KEYS        32u  /* PyDictObject.ma_keys */
#define PY_DICT_VALUES      40u  /* PyDictObject.ma_values (split dicts) */
#define PY_DK_ENTRY_GENERAL 24u  /* hash, key, value: the key at 8 */
#define PY_DK_ENTRY_UNICODE 16u  /* key, value (3.11+ str-keyed and split) */
#define PY_DK_KIND_GENERAL  0
#define PY_BYTEARRAY_ALLOC  24u  /* PyByteArrayObject.ob_alloc */
#define PY_LONG_TAG_SHIFT   3    /* 3.12+: digits = lv_tag >> 3 */
/* collections.deque (Modules/_collectionsmodule.c, 3.9-3.13): blocks of
 * BLOCKLEN items plus two links; __sizeof__ counts
 * (leftindex + ob_size + BLOCKLEN - 1) / BLOCKLEN of them. */
#define PY_DEQUE_LEFTINDEX  40u
#define PY_DEQUE_BLOCKLEN   64
#define PY_DEQUE_BLOCK_SIZE 528u
/* A deque's blocks in bytes, as its __sizeof__ counts them (memory only). */
uint64_t py_deque_blocks_bytes(const void *deque);
#define PY_TPFLAGS_INLINE_VALUES (1ul << 2)  /* 3.13 */
#define PY_TPFLAGS_MANAGED_DICT  (1ul << 4)  /* 3.11+ */
#define PY_PREHEADER_SIZE   16u  /* a managed-dict object's two words before its gc head */
#define PY_DK_USABLE        16u  /* PyDictKeysObject.dk_usable, 3.11+ */
/* What an instance of a managed-dict type (3.11+) occupies beyond its
 * tp_basicsize and gc head: the pre-header and its attribute values (a
 * separate block in 3.11/3.12, inline in 3.13).  0 for other types and
 * versions.  Reads memory only. */
uint64_t py_instance_values_bytes(const struct py_deep_layout *l, const void *obj);

/* The deep census's table for 3.<minor>, or NULL. */
const struct py_deep_layout *py_deep_layout_for(int minor);

/* Where a dict's keys are: entry i's key pointer is at
 * entries + i * stride + key_off; an entry counts when its value (at
 * value_off) is set, or always in a split dict (values kept elsewhere;
 * value_off is PY_OFF_NONE).  untraversed: 1 when the gc's traverse does
 * not visit the keys (3.11+ str-keyed and split tables; 3.9/3.10 tables
 * whose dk_lookup is not general_lookup, the lookup function of general
 * tables, which the caller learns from a dict with a non-str key; when
 * it is NULL, split tables only, whose values are kept apart). */
struct py_dict_keys {
    const char *entries;
    int64_t n;
    uint32_t stride, key_off, value_off;
    int untraversed;
};
/* Reads memory only.  0, or -1 when the table does not look like one. */
int py_dict_keys_of(const struct py_deep_layout *l, const void *dict, const void *general_lookup,
                    struct py_dict_keys *out);

#endif

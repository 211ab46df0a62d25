/* py_api.h - the CPython API as the Python layer sees it: function
 * pointers found at run time with dlsym(RTLD_DEFAULT), so one library works
 * with a shared libpython (pyenv) and with a statically linked python3
 * (Debian), and links against no Python at all.  Only the few types we
 * need are declared, opaquely; nothing here includes Python.h. */
#ifndef PY_API_H
#define PY_API_H

#include <stddef.h>
#include <stdint.h>
#include "ccx_layer.h"
#include "py_layout.h"

typedef struct py_object PyObj;            /* PyObject */
typedef struct py_tstate PyTState;         /* PyThreadState */
typedef int py_gilstate_t;                 /* PyGILState_STATE (an enum) */

/* PyMemAllocatorEx: unchanged from 3.5 to 3.13. */
struct py_mem_allocator {
    void *ctx;
    void *(*malloc)(void *ctx, size_t size);
    void *(*calloc)(void *ctx, size_t nelem, size_t elsize);
    void *(*realloc)(void *ctx, void *ptr, size_t new_size);
    void (*free)(void *ctx, void *ptr);
};
enum { PY_MEM_DOMAIN_RAW = 0, PY_MEM_DOMAIN_MEM = 1, PY_MEM_DOMAIN_OBJ = 2 };

/* PyObjectArenaAllocator: unchanged from 3.4 to 3.13. */
struct py_arena_allocator {
    void *ctx;
    void *(*alloc)(void *ctx, size_t size);
    void (*free)(void *ctx, void *ptr, size_t size);
};

/* PyMethodDef and METH_NOARGS, stable ABI. */
struct py_method_def {
    const char *ml_name;
    PyObj *(*ml_meth)(PyObj *self, PyObj *arg);
    int ml_flags;
    const char *ml_doc;
};
#define PY_METH_NOARGS 0x0004

struct py_api {
    const char *(*Py_GetVersion)(void);
    int (*Py_IsInitialized)(void);
    int (*IsFinalizing)(void);              /* Py_IsFinalizing or _Py_IsFinalizing */
    int (*PyGILState_Check)(void);          /* 1 when this thread holds the GIL */
    py_gilstate_t (*PyGILState_Ensure)(void);
    void (*PyGILState_Release)(py_gilstate_t);
    PyTState *(*PyGILState_GetThisThreadState)(void);
    PyTState *(*PyEval_SaveThread)(void);
    void (*PyEval_RestoreThread)(PyTState *);
    int (*PyCode_Addr2Line)(void *code, int byte_offset);
    void (*PyMem_GetAllocator)(int domain, struct py_mem_allocator *);
    void (*PyMem_SetAllocator)(int domain, struct py_mem_allocator *);
    void (*PyObject_GetArenaAllocator)(struct py_arena_allocator *);
    void (*PyObject_SetArenaAllocator)(struct py_arena_allocator *);
    PyObj *(*PyImport_ImportModule)(const char *);
    PyObj *(*PyObject_GetAttrString)(PyObj *, const char *);
    PyObj *(*PyObject_CallObject)(PyObj *, PyObj *);
    PyObj *(*PyCFunction_NewEx)(struct py_method_def *, PyObj *, PyObj *);
    PyObj *(*PyTuple_Pack)(ptrdiff_t, ...);
    ptrdiff_t (*PyTuple_Size)(PyObj *);
    PyObj *(*PyTuple_GetItem)(PyObj *, ptrdiff_t);
    ptrdiff_t (*PyList_Size)(PyObj *);
    PyObj *(*PyList_GetItem)(PyObj *, ptrdiff_t);
    PyObj *(*PyDict_GetItemString)(PyObj *, const char *);
    long (*PyLong_AsLong)(PyObj *);
    int (*PyObject_IsTrue)(PyObj *);
    const char *(*PyUnicode_AsUTF8)(PyObj *);
    void (*Py_IncRef)(PyObj *);
    void (*Py_DecRef)(PyObj *);
    void (*PyErr_Clear)(void);
    /* Validation of the frame layout against the official API. */
    PyObj *(*PyThreadState_GetFrame)(PyTState *);   /* new ref */
    PyObj *(*PyFrame_GetCode)(PyObj *);             /* new ref */
    PyObj *(*PyFrame_GetBack)(PyObj *);             /* new ref */
    int (*PyFrame_GetLineNumber)(PyObj *);
    void *(*PyInterpreterState_Get)(void);
    PyTState *(*PyInterpreterState_ThreadHead)(void *);
    PyTState *(*PyThreadState_Next)(PyTState *);
    /* Sub-interpreters (py_frames.c, py_census.c); each may be NULL.
     * The thread state this thread runs now, without a check: 3.12+ a
     * thread-local, 3.9-3.11 the one holding the GIL, whichever thread. */
    PyTState *(*PyThreadState_GetUnchecked)(void);
    void *(*PyInterpreterState_Main)(void);
    int64_t (*PyInterpreterState_GetID)(void *);
    void *PyCode_Type;                     /* &PyCode_Type */
    void *PyUnicode_Type;                  /* &PyUnicode_Type */
    void *Py_None;                         /* &_Py_NoneStruct */
    void *PyFrame_Type;                    /* &PyFrame_Type */
    void *PyRuntime;                       /* &_PyRuntime (3.13 debug offsets), may be NULL */
    /* Runs fn(arg) in the main thread, GIL held, at its next check of the
     * eval breaker; any thread, no GIL needed.  0 when queued. */
    int (*Py_AddPendingCall)(int (*fn)(void *), void *arg);
    /* The census's owned bytes (may be NULL: then a container counts its
     * own object only). */
    ptrdiff_t (*PyDict_SizeOf)(PyObj *);   /* _PyDict_SizeOf: pure arithmetic */
    int (*PyType_IsSubtype)(void *, void *);
    void *PySet_Type, *PyFrozenSet_Type;
    /* The holders search (py_holders*.c), which is off when one is
     * missing (py_holders_api_ok()). */
    int (*PyDict_Next)(PyObj *, ptrdiff_t *, PyObj **, PyObj **);
    ptrdiff_t (*PyDict_Size)(PyObj *);
    PyObj *(*PyObject_GenericGetDict)(PyObj *, void *);
    PyObj *(*PyObject_GenericGetAttr)(PyObj *, PyObj *);
    PyObj *(*PyModule_GetDict)(PyObj *);
    PyObj *(*PySys_GetObject)(const char *);   /* borrowed */
    const void *PyModule_Type, *PyCell_Type, *PyTraceBack_Type, *PyFunction_Type;
    const void *PyList_Type, *PyDict_Type, *PyTuple_Type, *PyLong_Type;
    int minor, micro;
    uint64_t version_hex;                  /* major<<24 | minor<<16 | micro<<8 */
    char version[32];                      /* "3.11.7" */
};

/* Loaded once the interpreter's symbols are present; NULL before (or when
 * something we need is missing, with the reason in *why). */
CCX_INTERNAL const struct py_api *py_api_load(const char **why);
CCX_INTERNAL extern struct py_api py;
/* In a fork child (a thread may have been loading it). */
CCX_INTERNAL void py_api_atfork_child(void);

/* The offsets of the running interpreter (py_layout_for(), with 3.13's
 * _Py_DebugOffsets applied), or NULL for a version without a table. */
CCX_INTERNAL const struct py_layout *py_layout_running(void);

/* gc.<fn>() with no arguments (GIL held): a new reference, or NULL with
 * the Python error set. */
CCX_INTERNAL PyObj *py_gc_call(const char *fn);

#endif

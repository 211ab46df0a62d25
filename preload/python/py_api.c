/* py_api.c - finds the CPython API at run time (see py_api.h). */
#include "py_api.h"
#include "py_read.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

CCX_INTERNAL struct py_api py;
static int py_loaded;

/* Every symbol we look up: where it goes, and whether we need it. */
struct sym { const char *name; void **slot; int required; };
#define S(field, name) { name, (void **)&py.field, 1 }
static const struct sym syms[] = {
    S(PyGILState_Ensure, "PyGILState_Ensure"),
    S(PyGILState_Release, "PyGILState_Release"),
    S(PyGILState_GetThisThreadState, "PyGILState_GetThisThreadState"),
    S(PyEval_SaveThread, "PyEval_SaveThread"),
    S(PyEval_RestoreThread, "PyEval_RestoreThread"),
    S(PyCode_Addr2Line, "PyCode_Addr2Line"),
    S(PyMem_GetAllocator, "PyMem_GetAllocator"),
    S(PyMem_SetAllocator, "PyMem_SetAllocator"),
    S(PyObject_GetArenaAllocator, "PyObject_GetArenaAllocator"),
    S(PyObject_SetArenaAllocator, "PyObject_SetArenaAllocator"),
    S(PyImport_ImportModule, "PyImport_ImportModule"),
    S(PyObject_GetAttrString, "PyObject_GetAttrString"),
    S(PyObject_CallObject, "PyObject_CallObject"),
    S(PyCFunction_NewEx, "PyCFunction_NewEx"),
    S(PyTuple_Pack, "PyTuple_Pack"),
    S(PyTuple_Size, "PyTuple_Size"),
    S(PyTuple_GetItem, "PyTuple_GetItem"),
    S(PyList_Size, "PyList_Size"),
    S(PyList_GetItem, "PyList_GetItem"),
    S(PyDict_GetItemString, "PyDict_GetItemString"),
    S(PyLong_AsLong, "PyLong_AsLong"),
    S(PyObject_IsTrue, "PyObject_IsTrue"),
    S(PyUnicode_AsUTF8, "PyUnicode_AsUTF8"),
    S(Py_IncRef, "Py_IncRef"),
    S(Py_DecRef, "Py_DecRef"),
    S(PyErr_Clear, "PyErr_Clear"),
    { "PyThreadState_GetFrame", (void **)&py.PyThreadState_GetFrame, 0 },   /* 3.9+: frames only */
    { "PyFrame_GetCode", (void **)&py.PyFrame_GetCode, 0 },   /* 3.9+: frames only */
    { "PyFrame_GetBack", (void **)&py.PyFrame_GetBack, 0 },   /* 3.9+: frames only */
    S(PyFrame_GetLineNumber, "PyFrame_GetLineNumber"),
    { "PyInterpreterState_Get", (void **)&py.PyInterpreterState_Get, 0 },   /* 3.9+: frames only */
    S(PyInterpreterState_ThreadHead, "PyInterpreterState_ThreadHead"),
    S(PyThreadState_Next, "PyThreadState_Next"),
    { "PyInterpreterState_Main", (void **)&py.PyInterpreterState_Main, 0 },
    { "PyInterpreterState_GetID", (void **)&py.PyInterpreterState_GetID, 0 },
    S(PyCode_Type, "PyCode_Type"),
    S(PyUnicode_Type, "PyUnicode_Type"),
    S(Py_None, "_Py_NoneStruct"),
    S(PyFrame_Type, "PyFrame_Type"),
    { "_PyRuntime", (void **)&py.PyRuntime, 0 },
    { "Py_AddPendingCall", (void **)&py.Py_AddPendingCall, 0 },   /* py_fork.c, py_runtime.c */
    { "_PyDict_SizeOf", (void **)&py.PyDict_SizeOf, 0 },   /* census: owned bytes */
    { "PyType_IsSubtype", (void **)&py.PyType_IsSubtype, 0 },
    { "PySet_Type", (void **)&py.PySet_Type, 0 },
    { "PyFrozenSet_Type", (void **)&py.PyFrozenSet_Type, 0 },
#define H(field) { #field, (void **)&py.field, 0 }   /* holders search only */
    H(PyDict_Next), H(PyDict_Size), H(PyObject_GenericGetDict), H(PyObject_GenericGetAttr),
    H(PyModule_GetDict), H(PySys_GetObject), H(PyModule_Type), H(PyCell_Type),
    H(PyTraceBack_Type), H(PyFunction_Type), H(PyList_Type), H(PyDict_Type),
    H(PyTuple_Type), H(PyLong_Type),
#undef H
};
#undef S

static const struct py_api *load(const char **why);

/* The helper thread and a fork's prepare handler (py_fork.c) may both
 * load it. */
static pthread_mutex_t once = PTHREAD_MUTEX_INITIALIZER;

void py_api_atfork_child(void)
{
    pthread_mutex_init(&once, NULL);
}

const struct py_api *py_api_load(const char **why)
{
    *why = NULL;
    if (__atomic_load_n(&py_loaded, __ATOMIC_ACQUIRE))
        return &py;
    pthread_mutex_lock(&once);
    const struct py_api *r = load(why);
    pthread_mutex_unlock(&once);
    return r;
}

static const struct py_api *load(const char **why)
{
    static char reason[96];
    if (py_loaded)
        return &py;
    *why = NULL;
    *(void **)&py.Py_GetVersion = dlsym(RTLD_DEFAULT, "Py_GetVersion");
    *(void **)&py.Py_IsInitialized = dlsym(RTLD_DEFAULT, "Py_IsInitialized");
    if (!py.Py_GetVersion || !py.Py_IsInitialized)
        return NULL;  /* not a Python process (yet) */
    /* Py_GetVersion() formats into a static buffer on every call, and the
     * interpreter calls it while it initializes: read it only once that is
     * over, and take a garbled read (another thread calling it at the same
     * moment) as a reason to look again at the next tick, twice at most. */
    if (!py.Py_IsInitialized())
        return NULL;
    int major, minor, micro;
    const char *v = py.Py_GetVersion();
    if (py_parse_version(v, &major, &minor, &micro) != 0) {
        static int garbled;
        if (++garbled < 3)
            return NULL;
        *why = "unrecognised Python version string";
        return NULL;
    }
    if (major != 3) {
        snprintf(reason, sizeof reason, "Python %d.%d is not supported (3.9 to 3.13 are)",
                 major, minor);
        *why = reason;
        return NULL;
    }
    py.minor = minor;
    py.micro = micro;
    py.version_hex = ((uint64_t)major << 24) | ((uint64_t)minor << 16) | ((uint64_t)micro << 8);
    snprintf(py.version, sizeof py.version, "%d.%d.%d", major, minor, micro);
    *(void **)&py.PyGILState_Check = dlsym(RTLD_DEFAULT, "PyGILState_Check");
    *(void **)&py.IsFinalizing = dlsym(RTLD_DEFAULT, "Py_IsFinalizing");
    if (!py.IsFinalizing)
        *(void **)&py.IsFinalizing = dlsym(RTLD_DEFAULT, "_Py_IsFinalizing");
    /* 3.13 made it public under this name; 3.9-3.12 export the other. */
    *(void **)&py.PyThreadState_GetUnchecked = dlsym(RTLD_DEFAULT, "PyThreadState_GetUnchecked");
    if (!py.PyThreadState_GetUnchecked)
        *(void **)&py.PyThreadState_GetUnchecked = dlsym(RTLD_DEFAULT, "_PyThreadState_UncheckedGet");
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        *syms[i].slot = dlsym(RTLD_DEFAULT, syms[i].name);
        if (!*syms[i].slot && syms[i].required) {
            snprintf(reason, sizeof reason, "CPython symbol %s not found", syms[i].name);
            *why = reason;
            return NULL;
        }
    }
    /* 3.13t (free-threaded): a different object header and no GIL; the
     * layer assumes neither.  _Py_DebugOffsets says which build this is. */
    if (py.PyRuntime && minor >= 13) {
        uint64_t ft = py_ld_word(py.PyRuntime, PY_DEBUG_FREE_THREADED);
        if (memcmp(py.PyRuntime, "xdebugpy", 8) == 0 && ft != 0) {
            snprintf(reason, sizeof reason, "free-threaded Python %d.%d is not supported", major, minor);
            *why = reason;
            return NULL;
        }
    }
    __atomic_store_n(&py_loaded, 1, __ATOMIC_RELEASE);
    return &py;
}

PyObj *py_gc_call(const char *fn)
{
    PyObj *gc = py.PyImport_ImportModule("gc");
    if (!gc)
        return NULL;
    PyObj *f = py.PyObject_GetAttrString(gc, fn);
    py.Py_DecRef(gc);
    if (!f)
        return NULL;
    PyObj *r = py.PyObject_CallObject(f, NULL);
    py.Py_DecRef(f);
    return r;
}

const struct py_layout *py_layout_running(void)
{
    static struct py_layout l;
    static int state;   /* 0 unread, 1 known, -1 unknown; helper or exit thread, GIL held */
    if (state == 0) {
        const struct py_layout *b = py_layout_for(py.minor);
        state = b ? 1 : -1;
        if (b) {
            l = *b;
            if (py.minor >= 13 && py.PyRuntime)
                (void)py_layout_from_debug_offsets(py.PyRuntime, py.version_hex, &l);
        }
    }
    return state > 0 ? &l : NULL;
}

/* py_frames.c - reads Python frame chains and names Python frames
 * (see py_frames.h for the contract). */
#include "py_frames.h"
#include "py_read.h"
#include "py_layer.h"
#include "ccx_mem.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define PY_MAX_DEPTH   256            /* frames followed per walk, at most */
#define SLOT_BITS      18             /* hash index: 256 Ki slots (1 MiB) */
#define NSLOTS         (1u << SLOT_BITS)
#define CHUNK_BITS     12             /* entries per chunk: 4096 */
#define CHUNK_SIZE     (1u << CHUNK_BITS)
#define MAX_CHUNKS     64             /* at most 256 Ki distinct frames */
#define NAME_MAX_BYTES 512

struct fent {                          /* one (code object, offset) pair */
    const void *code;
    uint32_t fp;                       /* fingerprint of the code object */
    int32_t off;                       /* byte offset into its bytecode */
    const char *file, *func;
    int line;
};

static struct layout_copy { struct py_layout l; } L;
static volatile int frames_enabled;
static uint32_t *slots;                /* entry id + 1, 0 = empty */
static struct fent *chunks[MAX_CHUNKS];
static uint32_t nents;                 /* entries published */
static int ins_lock;                   /* spin lock for insertion only */

/* String storage: bump allocation in the tracer's own memory, deduplicated
 * by content through a small open-addressing table. */
#define STR_SLOTS 16384u
static const char **str_slots;
static char *str_cur;
static size_t str_left;

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

static inline int is_type(const void *obj, const void *type)
{
    return obj && py_ld_ptr(obj, PY_OB_TYPE) == type;
}

static uint32_t code_fp(const void *code)
{
    uint64_t h = (uint64_t)(uintptr_t)py_ld_ptr(code, L.l.co_filename) * 31 +
                 (uint64_t)(uintptr_t)py_ld_ptr(code, L.l.co_name) * 17 +
                 (uint64_t)(unsigned)py_ld_int(code, L.l.co_firstlineno);
    return (uint32_t)(mix64(h) >> 32);
}

static const char *str_intern(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    uint32_t slot = (uint32_t)h & (STR_SLOTS - 1);
    int free_slot = 0;
    for (uint32_t k = 0; k < 64; k++, slot = (slot + 1) & (STR_SLOTS - 1)) {
        const char *e = str_slots[slot];
        if (!e) {
            free_slot = 1;
            break;
        }
        if (strncmp(e, s, n) == 0 && e[n] == '\0')
            return e;
    }
    if (str_left < n + 1) {
        size_t sz = 64 * 1024;
        char *m = ccx_mem_alloc(sz);
        if (!m)
            return "?";
        str_cur = m;
        str_left = sz;
    }
    char *d = str_cur;
    memcpy(d, s, n);
    d[n] = '\0';
    str_cur += n + 1;
    str_left -= n + 1;
    if (free_slot)
        str_slots[slot] = d;
    return d;
}

/* UTF-8 of a compact str object, read directly (no interpreter call). */
static size_t str_utf8(const void *obj, char *buf, size_t cap)
{
    if (!is_type(obj, py.PyUnicode_Type))
        return 0;
    ptrdiff_t len = py_ld_ssize(obj, L.l.str_length);
    uint32_t state = py_ld_u32(obj, L.l.str_state);
    if (len < 0 || !PY_STR_COMPACT(state))
        return 0;
    if (PY_STR_ASCII(state)) {
        size_t n = (size_t)len < cap ? (size_t)len : cap;
        memcpy(buf, (const char *)obj + L.l.str_ascii_size, n);
        return n;
    }
    const unsigned char *d = (const unsigned char *)obj + L.l.str_compact_size;
    unsigned kind = PY_STR_KIND(state);
    size_t o = 0;
    for (ptrdiff_t i = 0; i < len; i++) {
        uint32_t c;
        if (kind == 1)
            c = d[i];
        else if (kind == 2) {
            uint16_t u; memcpy(&u, d + 2 * i, 2); c = u;
        } else if (kind == 4)
            memcpy(&c, d + 4 * i, 4);
        else
            return 0;
        if (c < 0x80 && o + 1 <= cap) {
            buf[o++] = (char)c;
        } else if (c < 0x800 && o + 2 <= cap) {
            buf[o++] = (char)(0xc0 | (c >> 6));
            buf[o++] = (char)(0x80 | (c & 0x3f));
        } else if (c < 0x10000 && o + 3 <= cap) {
            buf[o++] = (char)(0xe0 | (c >> 12));
            buf[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
            buf[o++] = (char)(0x80 | (c & 0x3f));
        } else if (c >= 0x10000 && c < 0x110000 && o + 4 <= cap) {
            buf[o++] = (char)(0xf0 | (c >> 18));
            buf[o++] = (char)(0x80 | ((c >> 12) & 0x3f));
            buf[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
            buf[o++] = (char)(0x80 | (c & 0x3f));
        } else {
            break;
        }
    }
    return o;
}

static const char *name_of(const void *code, uint32_t off)
{
    char buf[NAME_MAX_BYTES];
    if (off == PY_OFF_NONE)
        return NULL;
    size_t n = str_utf8(py_ld_ptr(code, off), buf, sizeof buf);
    return n ? str_intern(buf, n) : "?";
}

static inline struct fent *ent(uint32_t id)
{
    return &chunks[id >> CHUNK_BITS][id & (CHUNK_SIZE - 1)];
}

static inline void lock(void)
{
    while (__atomic_test_and_set(&ins_lock, __ATOMIC_ACQUIRE))
        ;
}

static inline void unlock(void)
{
    __atomic_clear(&ins_lock, __ATOMIC_RELEASE);
}

/* The id of (code, off), inserting it on first sight. 0 when full. */
static uint32_t frame_id(const void *code, int32_t off)
{
    uint32_t fp = code_fp(code);
    uint64_t h = mix64((uint64_t)(uintptr_t)code ^ ((uint64_t)(uint32_t)off << 40) ^ fp);
    uint32_t i = (uint32_t)h & (NSLOTS - 1);
    for (uint32_t k = 0; k < NSLOTS; k++, i = (i + 1) & (NSLOTS - 1)) {
        uint32_t s = __atomic_load_n(&slots[i], __ATOMIC_ACQUIRE);
        if (!s)
            break;
        const struct fent *e = ent(s - 1);
        if (e->code == code && e->off == off && e->fp == fp)
            return s;
    }
    lock();
    /* Probe again under the lock: another thread may have inserted it. */
    i = (uint32_t)h & (NSLOTS - 1);
    uint32_t found = 0;
    for (uint32_t k = 0; k < NSLOTS / 2; k++, i = (i + 1) & (NSLOTS - 1)) {
        uint32_t s = slots[i];
        if (!s)
            break;
        const struct fent *e = ent(s - 1);
        if (e->code == code && e->off == off && e->fp == fp) {
            found = s;
            break;
        }
    }
    if (!found && slots[i] == 0 && nents < MAX_CHUNKS * CHUNK_SIZE) {
        uint32_t id = nents;
        if (!chunks[id >> CHUNK_BITS])
            chunks[id >> CHUNK_BITS] = ccx_mem_alloc(CHUNK_SIZE * sizeof(struct fent));
        if (chunks[id >> CHUNK_BITS]) {
            struct fent *e = ent(id);
            e->code = code;
            e->off = off;
            e->fp = fp;
            e->file = name_of(code, L.l.co_filename);
            e->func = name_of(code, L.l.co_qualname != PY_OFF_NONE ? L.l.co_qualname
                                                                 : L.l.co_name);
            e->line = off < 0 ? -1 : py.PyCode_Addr2Line((void *)code, off);
            if (e->line < 0)  /* not started, or an instruction without a line */
                e->line = py_ld_int(code, L.l.co_firstlineno);
            __atomic_store_n(&nents, id + 1, __ATOMIC_RELEASE);
            __atomic_store_n(&slots[i], id + 1, __ATOMIC_RELEASE);
            found = id + 1;
        }
    }
    unlock();
    return found;
}

/* CPython's _PyFrame_IsIncomplete (3.11+): a frame that no generator owns
 * and whose instruction lies before its code's first traceable one (the
 * RESUME after MAKE_CELL / COPY_FREE_VARS / RETURN_GENERATOR, or 3.13's
 * __init__ clean-up shim, which never reaches its RESUME) has not started;
 * the frame API skips it, and so does the walker.  off: byte offset.
 * 3.9 and 3.10 make cells and generators before the frame is linked in:
 * no such frames there. */
static inline int frame_incomplete(const void *f, const void *code, ptrdiff_t off)
{
    if (L.l.co_firsttraceable == PY_OFF_NONE || L.l.fr_owner == PY_OFF_NONE ||
        ((const signed char *)f)[L.l.fr_owner] == L.l.owner_generator)
        return 0;
    return off < 2 * (ptrdiff_t)py_ld_int(code, L.l.co_firsttraceable);
}

/* The byte offset of frame f into its code's bytecode; INT32_MIN when the
 * frame is not started (incomplete) or the pointer is out of range. */
static inline int32_t frame_offset(const void *f, const void *code)
{
    if (L.l.instr_kind == PY_INSTR_PTR) {
        const char *ip = py_ld_ptr(f, L.l.fr_instr);
        const char *start = (const char *)code + L.l.co_code_adaptive;
        ptrdiff_t units = py_ld_ssize(code, PY_OB_SIZE);
        ptrdiff_t off = ip - start;
        if (off < 0 || off >= 2 * units || frame_incomplete(f, code, off))
            return INT32_MIN;
        return (int32_t)off;
    }
    int lasti = py_ld_int(f, L.l.fr_instr);
    if (lasti < 0)
        return -1;
    return L.l.instr_kind == PY_INSTR_LASTI_UNITS ? lasti * 2 : lasti;
}

static inline const void *top_frame(PyTState *ts)
{
    const void *f = py_ld_ptr(ts, L.l.ts_frame);
    if (L.l.cframe_current != PY_OFF_NONE && f)
        f = py_ld_ptr(f, L.l.cframe_current);
    return f;
}

/* Follows the chain; calls emit(code, off) per complete frame. */
#define WALK(ts, EMIT)                                                          \
    do {                                                                        \
        const void *f_ = top_frame(ts);                                         \
        for (int d_ = 0; f_ && d_ < PY_MAX_DEPTH; d_++,                         \
                 f_ = py_ld_ptr(f_, L.l.fr_back)) {                                \
            if (L.l.fr_owner != PY_OFF_NONE &&                                  \
                ((const signed char *)f_)[L.l.fr_owner] == L.l.owner_cstack)    \
                continue;                                                       \
            const void *code_ = py_ld_ptr(f_, L.l.fr_code);                        \
            if (!is_type(code_, py.PyCode_Type))                                \
                continue;                                                       \
            int32_t off_ = frame_offset(f_, code_);                             \
            if (off_ == INT32_MIN)                                              \
                continue;                                                       \
            EMIT;                                                               \
        }                                                                       \
    } while (0)

int py_frames_walk(PyTState *ts, ccx_frame_t *out, int max)
{
    int n = 0;
    if (!frames_enabled || !ts || max <= 0)
        return 0;
    WALK(ts, {
        uint32_t id = frame_id(code_, off_);
        if (id)
            out[n++] = CCX_FRAME_PY | id;
        if (n >= max)
            break;
    });
    return n;
}

int ccx_py_resolve_frame(ccx_frame_t f, const char **file, const char **function, int *line)
{
    if (!(f & CCX_FRAME_PY))
        return 0;
    uint64_t id = f & ~CCX_FRAME_PY;
    if (id == 0 || id > __atomic_load_n(&nents, __ATOMIC_ACQUIRE))
        return 0;
    const struct fent *e = ent((uint32_t)(id - 1));
    *file = e->file;
    *function = e->func;
    *line = e->line;
    return 1;
}

int py_frames_init(const struct py_layout *layout)
{
    if (!slots) {
        slots = ccx_mem_alloc(NSLOTS * sizeof *slots);
        str_slots = ccx_mem_alloc(STR_SLOTS * sizeof *str_slots);
        if (!slots || !str_slots)
            return -1;
        memset(slots, 0, NSLOTS * sizeof *slots);
        memset(str_slots, 0, STR_SLOTS * sizeof *str_slots);
    }
    L.l = *layout;
    __atomic_store_n(&frames_enabled, 1, __ATOMIC_RELEASE);
    return 0;
}

void py_frames_off(void) { __atomic_store_n(&frames_enabled, 0, __ATOMIC_RELEASE); }
int py_frames_on(void) { return frames_enabled; }
unsigned py_frames_count(void) { return __atomic_load_n(&nents, __ATOMIC_ACQUIRE); }
void py_frames_atfork_child(void) { __atomic_clear(&ins_lock, __ATOMIC_RELEASE); }

/* ---- the start-up check ------------------------------------------------- */

/* Reads through a pipe: a bad address makes write() fail with EFAULT
 * instead of crashing, so a wrong layout is reported, never followed. */
static int vpipe[2] = {-1, -1};

static int safe_read(const void *addr, void *out, size_t n)
{
    if (!addr)
        return -1;
    if (write(vpipe[1], addr, n) != (ssize_t)n)
        return -1;
    return read(vpipe[0], out, n) == (ssize_t)n ? 0 : -1;
}

static int safe_ptr(const void *base, uint32_t off, const void **out)
{
    return safe_read((const char *)base + off, out, sizeof *out);
}

/* The chain of ts as the layout sees it, every read checked: up to max
 * (code object, line) pairs; -1 when a pointer leads nowhere. */
static int safe_walk(PyTState *ts, const void **codes, int *lines, int max)
{
    const void *f;
    int n = 0;
    if (safe_ptr(ts, L.l.ts_frame, &f))
        return -1;
    if (L.l.cframe_current != PY_OFF_NONE && f && safe_ptr(f, L.l.cframe_current, &f))
        return -1;
    for (int d = 0; f && d < PY_MAX_DEPTH && n < max; d++) {
        const void *code, *type;
        signed char owner = 0;
        if (L.l.fr_owner != PY_OFF_NONE && safe_read((const char *)f + L.l.fr_owner, &owner, 1))
            return -1;
        if (L.l.fr_owner == PY_OFF_NONE || owner != L.l.owner_cstack) {
            if (safe_ptr(f, L.l.fr_code, &code))
                return -1;
            int readable = code && safe_ptr(code, PY_OB_TYPE, &type) == 0;
            if (code && !readable)
                return -1;
            if (readable && type == py.PyCode_Type) {
                /* The instruction field must be readable before
                 * frame_offset() reads it (and the code object's size). */
                uint64_t instr;
                size_t isz = L.l.instr_kind == PY_INSTR_PTR ? sizeof(void *) : sizeof(int);
                if (safe_read((const char *)f + L.l.fr_instr, &instr, isz))
                    return -1;
                int32_t off = frame_offset(f, code);
                if (off != INT32_MIN) {
                    int line = off < 0 ? -1 : py.PyCode_Addr2Line((void *)code, off);
                    codes[n] = code;
                    lines[n++] = line < 0 ? py_ld_int(code, L.l.co_firstlineno) : line;
                }
            } else if (readable && L.l.owner_cstack < 0) {
                return -1;   /* before 3.12 every frame has a code object */
            }
        }
        if (safe_ptr(f, L.l.fr_back, &f))
            return -1;
    }
    return n;
}

int py_frames_validate(const struct py_layout *layout, char *why, size_t whylen)
{
    struct py_layout saved = L.l;
    L.l = *layout;
    int compared = 0, bad = 0;
    if (pipe2(vpipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        snprintf(why, whylen, "no pipe for the check");
        L.l = saved;
        return -1;
    }
    void *interp = py.PyInterpreterState_Get();
    for (PyTState *ts = py.PyInterpreterState_ThreadHead(interp); ts && !bad;
         ts = py.PyThreadState_Next(ts)) {
        const void *mine_code[64];
        int mine_line[64];
        int nm = safe_walk(ts, mine_code, mine_line, 64);
        if (nm < 0) {
            snprintf(why, whylen, "the frame chain leads to an unreadable address");
            bad = 1;
            break;
        }
        PyObj *fr = py.PyThreadState_GetFrame(ts);
        int na = 0;
        while (fr && na < 64) {
            PyObj *code = py.PyFrame_GetCode(fr);
            int line = py.PyFrame_GetLineNumber(fr);
            if (na >= nm || (const void *)code != mine_code[na] || line != mine_line[na]) {
                snprintf(why, whylen, "frame %d: walker saw %s line %d, interpreter line %d",
                         na, na < nm ? "a different code object" : "no frame",
                         na < nm ? mine_line[na] : 0, line);
                bad = 1;
            }
            py.Py_DecRef(code);
            PyObj *back = py.PyFrame_GetBack(fr);
            py.Py_DecRef(fr);
            fr = back;
            na++;
            if (bad)
                break;
        }
        if (fr)
            py.Py_DecRef(fr);
        if (!bad && na < 64 && na != nm) {
            snprintf(why, whylen, "walker saw %d frames, interpreter %d", nm, na);
            bad = 1;
        }
        compared += na;
    }
    close(vpipe[0]);
    close(vpipe[1]);
    vpipe[0] = vpipe[1] = -1;
    L.l = saved;
    return bad ? -1 : compared > 0;
}

/* ---- native + Python stacks --------------------------------------------- */

static uintptr_t eval_lo, eval_hi;   /* _PyEval_EvalFrameDefault's code */

static void find_eval(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    void *sym = dlsym(RTLD_DEFAULT, "_PyEval_EvalFrameDefault");
    Dl_info info;
    const ElfW(Sym) *es = NULL;
    if (sym && dladdr1(sym, &info, (void **)&es, RTLD_DL_SYMENT) && es && es->st_size) {
        eval_lo = (uintptr_t)sym;
        eval_hi = eval_lo + es->st_size;
    }
}

/* The thread state this thread runs now when that is not its own (own:
 * its main-interpreter thread state, NULL if it has none): a
 * sub-interpreter's, entered through PyThreadState_Swap (the
 * _xxsubinterpreters / _interpreters modules do that), whose frames are
 * the ones being run; its caller's frames in the main interpreter are not
 * shown.  3.9-3.11 keep PyGILState_GetThisThreadState on the main
 * interpreter's state and so walked the wrong chain (seen: a
 * sub-interpreter's 2.1 MB charged to the main interpreter's line that
 * called run_string, wl_subinterp.py); there PyGILState_Check answers 1
 * on every thread once a sub-interpreter exists (Py_NewInterpreter turns
 * the check off), so on 3.9-3.11 every sample asks (one call and a
 * compare per sample, none per allocation).
 * The current thread state is this thread's own on 3.12+ (thread-local);
 * on 3.9-3.11 it is the one of whichever thread holds the (one) GIL,
 * which is this thread when the sample comes from the PyMem hooks (they
 * run with the GIL held; by_hook).  A libc sample on 3.9-3.11 takes it
 * only when its thread_id names this thread: 3.9-3.11's run_string runs
 * the sub-interpreter's first thread state on any thread, so that test
 * alone would miss those. */
static PyTState *running_tstate(PyTState *own, int by_hook)
{
    if (!py.PyThreadState_GetUnchecked)
        return own;
    PyTState *cur = py.PyThreadState_GetUnchecked();
    if (!cur || cur == own)
        return own;
    if (py.minor < 12 && !by_hook &&
        py_ld_ulong(cur, L.l.ts_thread_id) != (unsigned long)pthread_self())
        return own;
    return cur;
}

/* Native frames up to the interpreter, then the calling thread's Python
 * frames. */
static __attribute__((noinline)) int merge_stack(ccx_frame_t *frames, int n, int max, int layer)
{
    PyTState *ts = py.PyGILState_GetThisThreadState();
    /* A thread without the GIL (in C code, or a daemon thread parked at
     * exit) keeps its own frames, but once the interpreter finalizes it
     * frees every thread state under such threads: then walk only a thread
     * that holds the GIL (seen crashing at exit with daemon threads).
     * A thread running another interpreter fails the check too: walk the
     * thread state it runs.  The main interpreter's threads holding the
     * GIL, the common case, pay nothing more from 3.12. */
    if (!py.PyGILState_Check || !py.PyGILState_Check()) {
        if (!py.IsFinalizing || py.IsFinalizing())
            return n;
        ts = running_tstate(ts, layer == CCX_LAYER_ID_PYTHON);
    } else if (py.minor < 12) {
        /* the check is off once a sub-interpreter exists */
        ts = running_tstate(ts, layer == CCX_LAYER_ID_PYTHON);
    }
    if (!ts)
        return n;
    if (eval_hi) {
        for (int i = 0; i < n; i++) {
            uintptr_t pc = (uintptr_t)frames[i] - 1;
            if (!(frames[i] & CCX_FRAME_PY) && pc >= eval_lo && pc < eval_hi) {
                n = i;
                break;
            }
        }
    }
    return n + py_frames_walk(ts, frames + n, max - n);
}

/* Declared in py_layer.h (the merge_stack operation).  Called for every
 * sample, in a process without Python too (every
 * allocation in `all` mode): the check stays apart from merge_stack's
 * frame set-up, so that a process without Python frames pays a few
 * instructions. */
int ccx_py_merge_stack(ccx_frame_t *frames, int n, int max, int layer)
{
    if (!frames_enabled || n >= max)
        return n;
    return merge_stack(frames, n, max, layer);
}

void py_frames_prepare_merge(void) { find_eval(); }

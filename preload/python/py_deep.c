/* py_deep.c - the deep census: what the gc does not track (DESIGN.md,
 * "Census"; docs/python.md, "The deep census").
 *
 * The census (py_census.c) counts the gc-tracked objects.  Most of a
 * service's bytes often sit in objects the gc never tracks: str, bytes,
 * int, float, datetime, and the tuples and dicts it untracked because
 * they hold only such values.  For each tracked object the census hands
 * over, this file calls its type's tp_traverse (what the gc itself sees
 * of it) and, for a dict, reads its keys table directly (for str-keyed
 * and split dicts the traverse visits only the values); every object so
 * reached that the gc does not track is counted once by type, with the
 * census's size formula (what sys.getsizeof says; owned_bytes for what a
 * dict or bytearray allocates separately), and untracked tuples and dicts
 * are followed in turn.  Other untracked gc objects are counted but not
 * entered: an object under construction may be untracked with its fields
 * not yet set, and the gc untracks only tuples and dicts deliberately.
 *
 * Each object is counted once through a visited set: open addressing on
 * the object's address in one ccx_mem_alloc block, sized from the number
 * of tracked objects and grown while the whole stays within MEM_BUDGET;
 * objects found once it is full are counted as "unseen", containers that
 * find the stack full and NEST_MAX walks under way as "unexplored", both
 * in the snapshot.  Reached
 * objects are processed in batches: the objects' headers, then their
 * visited-set slots are prefetched a batch ahead, since nearly every
 * object and slot is a cache miss.  Nothing here runs Python code or
 * allocates through the interpreter; tp_traverse, tp_is_gc and
 * _PyDict_SizeOf only read.
 */
#include "py_deep.h"
#include "py_read.h"
#include "ccx_format.h"
#include "ccx_clock.h"
#include "ccx_json.h"
#include "ccx_mem.h"
#include "ccx_options.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DTYPE_SLOTS   4096u
#define BATCH         64u
#define AHEAD         8u                  /* tracked objects prefetched ahead */
#define STACK_SLOTS   (256u << 10)        /* untracked containers waiting: 2 MiB */
#define MEM_BUDGET    ((size_t)32 << 20)  /* set + stack + types, peak */
#define SET_MIN_SLOTS ((size_t)1 << 16)
#define SET_PER_TRACKED 1                  /* initial slots per tracked object */
#define SET_MAX_LOAD(n) ((n) / 8 * 7)      /* grow (or stop) past 7/8 full */
#define NEST_MAX      16                  /* containers walked at once when the stack is full */

typedef int (*visitproc)(PyObj *, void *);
typedef int (*traverseproc)(PyObj *, visitproc, void *);
typedef int (*isgcproc)(PyObj *);

enum dkind { DK_PLAIN = 1, DK_STR, DK_INT, DK_BYTEARRAY, DK_DICT, DK_TUPLE };

struct dtype {
    const void *type;
    const char *name;
    uint64_t count, bytes, owned;
    uint8_t kind, gc, owns;
};

static struct {
    const struct py_deep_layout *l;
    const struct py_layout *sl;        /* str fields of the frame table */
    const void *bytearray_type;
    const void *general_lookup;        /* 3.9/3.10: lookup function of general dicts */
    const char *why;                   /* the deep form wanted but not taken */
    int form;                          /* CCX_CENSUS_DEEP or _TRACKED this time */
    int running;
    uintptr_t *set;
    size_t nslots, used;
    const void **stack;
    size_t sp;
    struct dtype *t;
    const void *pend[BATCH];
    unsigned npend;
    int depth;                         /* walks nested in a flush (stack full) */
    const void *ring[AHEAD];
    unsigned nvisits;
    double t0, cpu0;                   /* the first visit: wall and thread CPU clocks */
    uint64_t objects, bytes, unseen, unexplored, mem_peak;
    double ms, cpu_ms;                 /* begin's own, then the whole */
} d;

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static inline unsigned long tflags(const void *t)
{
    return (unsigned long)(int64_t)py_ld_ssize(t, PY_TP_FLAGS);
}

/* ---- the visited set ------------------------------------------------ */

static inline size_t slot_of(uintptr_t p, size_t nslots)
{
    uint64_t h = (uint64_t)(p >> 4) * 0x9e3779b97f4a7c15ull;
    return (size_t)(((unsigned __int128)h * nslots) >> 64);
}

/* Rehash into a bigger block while set + the rest stay within budget.
 * 0 when it grew. */
static int set_grow(void)
{
    size_t rest = STACK_SLOTS * sizeof *d.stack + DTYPE_SLOTS * sizeof *d.t;
    size_t old_bytes = d.nslots * sizeof *d.set;
    if (rest + old_bytes >= MEM_BUDGET)
        return -1;
    size_t n = (MEM_BUDGET - rest - old_bytes) / sizeof *d.set;
    if (n > 2 * d.nslots)
        n = 2 * d.nslots;
    if (n < d.nslots + d.nslots / 4)
        return -1;
    uintptr_t *s = ccx_mem_alloc(n * sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < d.nslots; i++) {
        uintptr_t p = d.set[i];
        if (!p)
            continue;
        size_t k = slot_of(p, n);
        while (s[k])
            k = k + 1 == n ? 0 : k + 1;
        s[k] = p;
    }
    if (rest + old_bytes + n * sizeof *s > d.mem_peak)
        d.mem_peak = rest + old_bytes + n * sizeof *s;
    ccx_mem_free(d.set, old_bytes);
    d.set = s;
    d.nslots = n;
    return 0;
}

/* 1 when p is new (now in the set), 0 when seen before, -1 when full. */
static int set_add(uintptr_t p, size_t k)
{
    for (;;) {
        uintptr_t v = d.set[k];
        if (v == p)
            return 0;
        if (!v)
            break;
        k = k + 1 == d.nslots ? 0 : k + 1;
    }
    if (d.used >= SET_MAX_LOAD(d.nslots)) {
        if (set_grow() != 0)
            return -1;
        return set_add(p, slot_of(p, d.nslots));
    }
    d.set[k] = p;
    d.used++;
    return 1;
}

/* ---- types and sizes ------------------------------------------------ */

static uint8_t kind_of(const void *t, unsigned long f)
{
    if (f & PY_TPFLAGS_UNICODE_SUBCLASS)
        return DK_STR;
    if (f & PY_TPFLAGS_LONG_SUBCLASS)
        return DK_INT;
    if ((f & PY_TPFLAGS_DICT_SUBCLASS) && py.PyDict_SizeOf)
        return DK_DICT;
    if (f & PY_TPFLAGS_TUPLE_SUBCLASS)
        return DK_TUPLE;
    return t == d.bytearray_type ? DK_BYTEARRAY : DK_PLAIN;
}

static struct dtype *dtype_of(const void *t)
{
    uint32_t i = (uint32_t)(((uintptr_t)t >> 4) * 2654435761u) & (DTYPE_SLOTS - 1);
    for (unsigned k = 0; k < DTYPE_SLOTS / 2; k++, i = (i + 1) & (DTYPE_SLOTS - 1)) {
        struct dtype *e = &d.t[i];
        if (e->type == t)
            return e;
        if (e->type)
            continue;
        unsigned long f = tflags(t);
        e->type = t;
        e->name = py_ld_ptr(t, PY_TP_NAME);
        e->gc = (f & PY_TPFLAGS_HAVE_GC) != 0;
        e->kind = kind_of(t, f);
        e->owns = e->kind == DK_DICT || e->kind == DK_BYTEARRAY;
        return e;
    }
    return NULL;
}

/* What str.__sizeof__ says: the object with its characters, and the
 * UTF-8 and wchar_t copies it owns when they are separate. */
static uint64_t str_size(const void *o)
{
    const struct py_layout *sl = d.sl;
    const struct py_deep_layout *l = d.l;
    uint32_t st;
    memcpy(&st, (const char *)o + sl->str_state, sizeof st);
    int64_t len = (int64_t)py_ld_ssize(o, sl->str_length);
    if (len < 0 || len > ((int64_t)1 << 40))
        return sl->str_ascii_size;
    uint64_t kind = PY_STR_KIND(st), n = (uint64_t)len + 1, size;
    int ascii = PY_STR_COMPACT(st) && PY_STR_ASCII(st);
    const void *data;
    if (ascii) {
        data = (const char *)o + sl->str_ascii_size;
        size = sl->str_ascii_size + n;
    } else if (PY_STR_COMPACT(st)) {
        data = (const char *)o + sl->str_compact_size;
        size = sl->str_compact_size + n * kind;
    } else {
        data = py_ld_ptr(o, sl->str_compact_size);
        size = sl->str_compact_size + sizeof(void *) + (data ? n * kind : 0);
    }
    if (!ascii) {
        const void *u = py_ld_ptr(o, l->str_utf8);
        int64_t ul = (int64_t)py_ld_ssize(o, l->str_utf8_length);
        if (u && u != data && ul >= 0 && ul < ((int64_t)1 << 40))
            size += (uint64_t)ul + 1;
    }
    if (l->str_wstr != PY_OFF_NONE) {
        const void *w = py_ld_ptr(o, l->str_wstr);
        int64_t wl = ascii ? len : (int64_t)py_ld_ssize(o, l->str_wstr_length);
        if (w && w != data && wl >= 0 && wl < ((int64_t)1 << 40))
            size += ((uint64_t)wl + 1) * 4;  /* wchar_t */
    }
    return size;
}

/* The object's bytes (*owned: what it allocates separately), as the
 * census counts a tracked one. */
static uint64_t size_of(const struct dtype *e, const void *o, uint64_t *owned)
{
    const void *t = e->type;
    int64_t basic = (int64_t)py_ld_ssize(t, PY_TP_BASICSIZE), item = (int64_t)py_ld_ssize(t, PY_TP_ITEMSIZE);
    uint64_t bytes = (uint64_t)basic + (e->gc ? PY_GC_HEAD_SIZE : 0);
    *owned = 0;
    switch (e->kind) {
    case DK_STR:
        return str_size(o);
    case DK_INT: {
        int64_t w = (int64_t)py_ld_ssize(o, PY_OB_SIZE);
        uint64_t digits = d.l->long_tag ? (uint64_t)w >> PY_LONG_TAG_SHIFT : (uint64_t)(w < 0 ? -w : w);
        if (d.l->long_tag && digits == 0)
            digits = 1;
        return digits < ((uint64_t)1 << 32) ? bytes + digits * (uint64_t)item : bytes;
    }
    case DK_BYTEARRAY: {
        int64_t a = (int64_t)py_ld_ssize(o, PY_BYTEARRAY_ALLOC);
        *owned = a > 0 && a < ((int64_t)1 << 44) ? (uint64_t)a : 0;
        return bytes;
    }
    case DK_DICT: {
        ptrdiff_t n = py.PyDict_SizeOf((PyObj *)o) - basic;
        *owned = n > 0 ? (uint64_t)n : 0;
        return bytes;
    }
    default:
        if (item) {
            int64_t n = (int64_t)py_ld_ssize(o, PY_OB_SIZE);
            uint64_t k = (uint64_t)(n < 0 ? -n : n);
            if (k < ((uint64_t)1 << 32))
                bytes += k * (uint64_t)item;
        }
        return bytes;
    }
}

/* ---- the walk --------------------------------------------------------- */

/* Whether the gc tracks o (then the census counts it). */
static inline int tracked(const void *o, const void *t)
{
    if (!(tflags(t) & PY_TPFLAGS_HAVE_GC))
        return 0;
    isgcproc isgc = (isgcproc)py_ld_ptr(t, PY_TP_IS_GC);
    if (isgc && !isgc((PyObj *)o))
        return 0;  /* a static type object: not gc-allocated */
    return py_ld_ptr((const char *)o - PY_GC_HEAD_SIZE, 0) != NULL;
}

static void walk(const void *o);

static void count(const void *o, const void *t)
{
    struct dtype *e = dtype_of(t);
    if (!e)
        return;  /* more than DTYPE_SLOTS / 2 probes: not a table we fill */
    uint64_t owned, bytes = size_of(e, o, &owned);
    e->count++;
    e->bytes += bytes;
    e->owned += owned;
    d.objects++;
    d.bytes += bytes + owned;
    if (e->kind != DK_DICT && e->kind != DK_TUPLE)
        return;
    if (d.sp < STACK_SLOTS) {
        d.stack[d.sp++] = o;
    } else if (d.depth < NEST_MAX) {  /* a wide container: walked right away */
        d.depth++;
        walk(o);
        d.depth--;
    } else {
        d.unexplored++;
    }
}

/* The batch: objects' headers (type, refcount) prefetched, then the
 * untracked ones' set slots, then counted.  An object with a reference
 * count of one skips the set: its one reference is visited once (a
 * traverse visits each reference it owns once, as the gc requires, and
 * the keys and frame locals read here are not visited otherwise), so
 * only shared objects need remembering - most of them are not.  A tuple
 * or dict counted when the stack is full is walked at once (NEST_MAX
 * deep), which may flush again: the batch is copied out first. */
static void flush(void)
{
    const void *batch[BATCH], *cand[BATCH], *ctype[BATCH];
    unsigned n = d.npend, nc = 0;
    memcpy(batch, d.pend, n * sizeof *batch);  /* a nested walk may refill pend */
    d.npend = 0;
    for (unsigned i = 0; i < n; i++)
        __builtin_prefetch(batch[i]);
    for (unsigned i = 0; i < n; i++) {
        const void *o = batch[i], *t = py_ld_ptr(o, PY_OB_TYPE);
        if (tracked(o, t))
            continue;
        if ((int64_t)py_ld_ssize(o, 0) == 1) {
            count(o, t);  /* one reference: reached once, no need to remember it */
            continue;
        }
        cand[nc] = o;
        ctype[nc] = t;
        __builtin_prefetch(&d.set[slot_of((uintptr_t)o, d.nslots)], 1);
        nc++;
    }
    for (unsigned i = 0; i < nc; i++) {
        int r = set_add((uintptr_t)cand[i], slot_of((uintptr_t)cand[i], d.nslots));
        if (r > 0)
            count(cand[i], ctype[i]);
        else if (r < 0)
            d.unseen++;
    }
}

static int visit(PyObj *o, void *arg)
{
    (void)arg;
    if (!o)
        return 0;
    d.pend[d.npend++] = o;
    if (d.npend == BATCH)
        flush();
    return 0;
}

/* What the gc sees of o, and a dict's keys the traverse skips. */
static void walk(const void *o)
{
    const void *t = py_ld_ptr(o, PY_OB_TYPE);
    traverseproc tr = (traverseproc)py_ld_ptr(t, PY_TP_TRAVERSE);
    if (tr)
        tr((PyObj *)o, visit, NULL);
    struct py_dict_keys k;
    if (!(tflags(t) & PY_TPFLAGS_DICT_SUBCLASS) || py_dict_keys_of(d.l, o, d.general_lookup, &k) != 0 ||
        !k.untraversed)
        return;
    for (int64_t i = 0; i < k.n; i++) {
        const char *e = k.entries + i * k.stride;
        const void *key = py_ld_ptr(e, k.key_off);
        if (key && (k.value_off == PY_OFF_NONE || py_ld_ptr(e, k.value_off)))
            visit((PyObj *)key, NULL);
    }
}

/* Untracked tuples and dicts found so far, followed until none is left. */
static void drain(void)
{
    flush();
    while (d.sp) {
        walk(d.stack[--d.sp]);
        if (!d.sp)
            flush();
    }
}

/* One frame a thread is running: before 3.11 a frame object, whose
 * traverse visits its locals; since, an interpreter frame whose locals
 * (localsplus, co_nlocalsplus of them) are read in place.  Generators'
 * frames are left to the generator's traverse, C-stack shims have none. */
static void walk_frame(const void *f)
{
    const struct py_layout *fl = d.sl;
    if (d.l->fr_localsplus == PY_OFF_NONE) {
        if (!tracked(f, py_ld_ptr(f, PY_OB_TYPE)))  /* a tracked one is the census's */
            walk(f);
        return;
    }
    uint8_t owner;
    memcpy(&owner, (const char *)f + fl->fr_owner, 1);
    if (owner == fl->owner_generator || (fl->owner_cstack >= 0 && owner == fl->owner_cstack))
        return;
    const void *code = py_ld_ptr(f, fl->fr_code);
    if (!code || py_ld_ptr(code, PY_OB_TYPE) != py.PyCode_Type)
        return;
    int32_t n;
    memcpy(&n, (const char *)code + d.l->co_nlocalsplus, sizeof n);
    for (int32_t i = 0; i < n && i < 65536; i++)
        visit((PyObj *)py_ld_ptr(f, d.l->fr_localsplus + (uint32_t)i * sizeof(void *)), NULL);
}

/* The gc does not track the frames threads are running (they are roots
 * to it), so nothing tracked reaches their locals: walked here, with the
 * frame table the sampler uses (py_layout.h). */
static void walk_threads(void)
{
    const struct py_layout *fl = d.sl;
    if (!py.PyInterpreterState_Get || !py.PyInterpreterState_ThreadHead || !py.PyThreadState_Next)
        return;
    PyTState *ts = py.PyInterpreterState_ThreadHead(py.PyInterpreterState_Get());
    for (int nt = 0; ts && nt < 65536; nt++, ts = py.PyThreadState_Next(ts)) {
        const void *f = py_ld_ptr(ts, fl->ts_frame);
        if (f && fl->cframe_current != PY_OFF_NONE)
            f = py_ld_ptr(f, fl->cframe_current);
        for (int depth = 0; f && depth < 65536; depth++) {
            walk_frame(f);
            f = py_ld_ptr(f, fl->fr_back);
        }
    }
}

/* Tracked objects wait AHEAD calls in a ring, prefetched meanwhile. */
void py_deep_visit(const void *o)
{
    if (!d.running)
        return;
    if (d.t0 == 0) {
        d.t0 = ccx_mono_ms();
        d.cpu0 = cpu_ms();
    }
    __builtin_prefetch(o);
    unsigned i = d.nvisits++ % AHEAD;
    const void *due = d.ring[i];
    d.ring[i] = o;
    if (due) {
        walk(due);
        if (d.sp)
            drain();
    }
}

/* ---- begin, write, end ------------------------------------------------ */

static void release(void)
{
    if (d.set)
        ccx_mem_free(d.set, d.nslots * sizeof *d.set);
    if (d.stack)
        ccx_mem_free(d.stack, STACK_SLOTS * sizeof *d.stack);
    if (d.t)
        ccx_mem_free(d.t, DTYPE_SLOTS * sizeof *d.t);
    d.set = NULL;
    d.stack = NULL;
    d.t = NULL;
    d.running = 0;
}

/* 3.9/3.10: a dict's keys table says whether the gc's traverse visits
 * its keys only through its lookup function; that of general tables is
 * read from a dict made here with an int key.  NULL when it cannot be
 * made (then only split dicts' keys are read: py_dict_keys_of). */
static const void *learn_general_lookup(const struct py_deep_layout *l)
{
    PyObj *(*dict_new)(void);
    int (*set_item)(PyObj *, PyObj *, PyObj *);
    PyObj *(*from_long)(long);
    *(void **)&dict_new = dlsym(RTLD_DEFAULT, "PyDict_New");
    *(void **)&set_item = dlsym(RTLD_DEFAULT, "PyDict_SetItem");
    *(void **)&from_long = dlsym(RTLD_DEFAULT, "PyLong_FromLong");
    if (!dict_new || !set_item || !from_long || !py.Py_None)
        return NULL;
    PyObj *g = dict_new(), *one = from_long(1);
    const void *f = NULL;
    if (g && one && set_item(g, one, (PyObj *)py.Py_None) == 0)
        f = py_ld_ptr(py_ld_ptr(g, PY_DICT_KEYS), l->dk_lookup);
    if (one)
        py.Py_DecRef(one);
    if (g)
        py.Py_DecRef(g);
    py.PyErr_Clear();
    return f;
}

int py_deep_begin(size_t ntracked)
{
    double t0 = ccx_mono_ms(), c0 = cpu_ms();
    release();
    d.why = NULL;
    d.form = CCX_CENSUS_TRACKED;
    d.objects = d.bytes = d.unseen = d.unexplored = 0;
    d.used = d.sp = 0;
    d.npend = d.nvisits = 0;
    memset(d.ring, 0, sizeof d.ring);
    d.t0 = 0;
    if (ccx_opts()->census == CCX_CENSUS_TRACKED)
        return 0;
    if (ccx_under_pressure()) {
        d.why = CCX_CENSUS_WHY_PRESSURE;
        return 0;
    }
    if (!d.l) {
        d.l = py_deep_layout_for(py.minor);
        d.sl = py_layout_for(py.minor);
        d.bytearray_type = dlsym(RTLD_DEFAULT, "PyByteArray_Type");
        if (d.l && d.l->dk_lookup != PY_OFF_NONE)
            d.general_lookup = learn_general_lookup(d.l);
    }
    if (!d.l || !d.sl) {
        d.why = CCX_CENSUS_WHY_LAYOUT;
        return 0;
    }
    size_t rest = STACK_SLOTS * sizeof *d.stack + DTYPE_SLOTS * sizeof *d.t;
    size_t n = ntracked * SET_PER_TRACKED, most = (MEM_BUDGET - rest) / sizeof *d.set;
    n = n < SET_MIN_SLOTS ? SET_MIN_SLOTS : n > most ? most : n;
    d.nslots = n;
    d.set = ccx_mem_alloc(n * sizeof *d.set);
    d.stack = ccx_mem_alloc(STACK_SLOTS * sizeof *d.stack);
    d.t = ccx_mem_alloc(DTYPE_SLOTS * sizeof *d.t);
    if (!d.set || !d.stack || !d.t) {
        release();
        d.why = CCX_CENSUS_WHY_MEMORY;
        return 0;
    }
    d.mem_peak = rest + n * sizeof *d.set;
    d.form = CCX_CENSUS_DEEP;
    d.running = 1;
    d.ms = ccx_mono_ms() - t0;
    d.cpu_ms = cpu_ms() - c0;
    return 1;
}

/* The tracked objects still in the ring and the running frames, then
 * everything they reach. */
static void finish(void)
{
    walk_threads();
    for (unsigned k = 0; k < AHEAD; k++) {
        unsigned i = (d.nvisits + k) % AHEAD;
        if (d.ring[i])
            walk(d.ring[i]);
        d.ring[i] = NULL;
    }
    drain();
}

static int by_name(const void *a, const void *b)
{
    const struct dtype *x = a, *y = b;
    if (!x->type || !y->type)
        return (x->type == NULL) - (y->type == NULL);
    return strcmp(x->name ? x->name : "?", y->name ? y->name : "?");
}

static int by_bytes(const void *a, const void *b)
{
    const struct dtype *x = a, *y = b;
    uint64_t bx = x->bytes + x->owned, by = y->bytes + y->owned;
    if (bx != by)
        return bx < by ? 1 : -1;
    return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

/* Types by name (two types of one name are summed), largest first. */
static void write_types(struct ccx_json *j)
{
    qsort(d.t, DTYPE_SLOTS, sizeof *d.t, by_name);
    unsigned n = 0;
    for (unsigned i = 0; i < DTYPE_SLOTS && d.t[i].type; i++) {
        if (n && by_name(&d.t[n - 1], &d.t[i]) == 0) {
            d.t[n - 1].count += d.t[i].count;
            d.t[n - 1].bytes += d.t[i].bytes;
            d.t[n - 1].owned += d.t[i].owned;
            d.t[n - 1].owns |= d.t[i].owns;
        } else {
            d.t[n++] = d.t[i];
        }
    }
    qsort(d.t, n, sizeof *d.t, by_bytes);
    ccx_json_key(j, CCX_F_TYPES);
    ccx_json_begin_array(j);
    for (unsigned i = 0; i < n; i++) {
        ccx_json_begin_object(j);
        ccx_json_key(j, CCX_F_TYPE_NAME);
        ccx_json_string(j, d.t[i].name ? d.t[i].name : "?");
        ccx_json_key(j, CCX_F_TYPE_COUNT);
        ccx_json_u64(j, d.t[i].count);
        ccx_json_key(j, CCX_F_TYPE_BYTES);
        ccx_json_u64(j, d.t[i].bytes);
        if (d.t[i].owns) {
            ccx_json_key(j, CCX_F_TYPE_OWNED);
            ccx_json_u64(j, d.t[i].owned);
        }
        ccx_json_end_object(j);
    }
    ccx_json_end_array(j);
}

void py_deep_write(struct ccx_json *j)
{
    if (d.running)
        finish();
    ccx_json_key(j, CCX_F_CENSUS_FORM);
    ccx_json_string(j, d.form == CCX_CENSUS_DEEP ? CCX_CENSUS_FORM_DEEP : CCX_CENSUS_FORM_TRACKED);
    if (d.why) {
        ccx_json_key(j, CCX_F_CENSUS_FORM_WHY);
        ccx_json_string(j, d.why);
    }
    if (!d.running)
        return;
    ccx_json_key(j, CCX_F_DEEP);
    ccx_json_begin_object(j);
    write_types(j);
    ccx_json_key(j, CCX_F_DEEP_OBJECTS);
    ccx_json_u64(j, d.objects);
    ccx_json_key(j, CCX_F_DEEP_BYTES);
    ccx_json_u64(j, d.bytes);
    ccx_json_key(j, CCX_F_DEEP_UNSEEN);
    ccx_json_u64(j, d.unseen);
    ccx_json_key(j, CCX_F_DEEP_UNEXPLORED);
    ccx_json_u64(j, d.unexplored);
    ccx_json_key(j, CCX_F_DEEP_MEMORY);
    ccx_json_u64(j, d.mem_peak);
    ccx_json_key(j, CCX_F_DEEP_MS);
    ccx_json_double(j, d.ms + (d.t0 ? ccx_mono_ms() - d.t0 : 0));
    ccx_json_key(j, CCX_F_DEEP_CPU_MS);
    ccx_json_double(j, d.cpu_ms + (d.t0 ? cpu_ms() - d.cpu0 : 0));
    ccx_json_end_object(j);
}

void py_deep_end(void)
{
    release();
}

/* ---- owned storage of tracked objects --------------------------------- */

int py_deep_owns(const void *t)
{
    const char *name = py_ld_ptr(t, PY_TP_NAME);
    if (name && strcmp(name, "collections.deque") == 0)
        return PY_DEEP_OWNS_DEQUE;
    const struct py_deep_layout *l = py_deep_layout_for(py.minor);
    if (l && (l->values_back != PY_OFF_NONE || l->inline_values) && (tflags(t) & PY_TPFLAGS_MANAGED_DICT))
        return PY_DEEP_OWNS_VALUES;
    return 0;
}

uint64_t py_deep_owned(int kind, const void *o)
{
    static const struct py_deep_layout *l;
    if (kind == PY_DEEP_OWNS_DEQUE)
        return py_deque_blocks_bytes(o);
    if (!l)
        l = py_deep_layout_for(py.minor);
    return kind == PY_DEEP_OWNS_VALUES && l ? py_instance_values_bytes(l, o) : 0;
}

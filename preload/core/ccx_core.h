/* ccx_core.h - what the core (interposers, sampling, records, stacks,
 * unwinding, the Python layer's table) offers output and control, beyond
 * the layer interface (ccx_layer.h) every part sees.
 *
 * ccx_state.c owns the tracing state, ccx_record.c the per-thread state
 * and the recording of blocks, ccx_hooks_libc.c the interposed functions,
 * ccx_unwind.c libunwind and the fork gate, ccx_layers.c the Python
 * layer's registered operations.
 */
#ifndef CCX_CORE_H
#define CCX_CORE_H

#include "ccx_layer.h"

#include <stddef.h>
#include <stdint.h>

/* ---- ccx_state.c ---- */
/* 0 before the constructor, 1 tracing, -1 not tracing (CCXTRACE_ONLY,
 * error, a broken invariant).  Written by control only. */
extern int ccx_state;
/* Mean sampling interval in bytes; 0 in `all` mode (ccx_record_init). */
extern uint64_t ccx_mean;
/* Tracing off for good (a broken invariant, ccx_diag.h). */
void ccx_tracing_off(void);

/* ---- ccx_record.c ---- */
/* Record a sampled (or, in `all` mode, every) live block with the given
 * stack; weighted from size.  Safe from any thread; never allocates
 * through the traced allocator. */
void ccx_record_alloc(void *p, size_t size, enum ccx_layer_id layer, const ccx_frame_t *frames, int nframes);
/* Record q as a block of the site `info` came from (mremap moved it). */
void ccx_rerecord(void *q, size_t size, const struct ccx_block_info *info);

struct ccx_totals {
    uint64_t alloc_calls, alloc_bytes, free_calls;
};
void ccx_totals_read(struct ccx_totals *t);
/* The sampling interval from the options, the tables; 0 on success. */
int ccx_record_init(void);
void ccx_record_atfork_child(void);

/* ---- ccx_hooks_libc.c ---- */
/* Looks up the real libc functions (the constructor calls it first). */
void ccx_hooks_resolve(void);

/* ---- ccx_unwind.c ---- */
/* Native frames of the calling thread, leaf first, skipping `skip`
 * innermost frames (and the tracer's own); how many were written (<= max). */
int ccx_unwind_native(ccx_frame_t *out, int max, int skip);
int ccx_unwind_init(void);       /* loads libunwind privately; 0 on success */
int ccx_in_self(uintptr_t pc);   /* is pc inside libccxtrace.so's code */
void ccx_unwind_thread_exit(void); /* drops the thread's stack cache */
/* Around anything that takes the dynamic loader's locks (dl_iterate_phdr,
 * dlsym): 0 means a fork is under way, do without. */
int ccx_gate_enter(void);
void ccx_gate_exit(void);
void ccx_gate_fork_prepare(void);
void ccx_gate_fork_parent(void);
void ccx_gate_fork_child(void);

/* ---- ccx_layers.c: the Python layer's operations (ccx_layer.h), each
 * with its default while none is registered ---- */
int ccx_layer_helper_tick(void);
int ccx_layer_write_section(struct ccx_json *j);
int ccx_layer_resolve_frame(ccx_frame_t f, const char **file, const char **function, int *line);
int ccx_layer_gc_counts(long count[3], long collections[3]);
int ccx_layer_fork_hide(void);
int ccx_layer_fork_defer(void);
void ccx_layer_atfork_child(void);
void ccx_layer_exit(void);
/* On every sample: inline, one load and a test before the call. */
extern struct ccx_layer_ops ccx_layer_ops_registered;
static inline int ccx_layer_merge_stack(ccx_frame_t *frames, int n, int max, int layer)
{
    return ccx_layer_ops_registered.merge_stack ?
           ccx_layer_ops_registered.merge_stack(frames, n, max, layer) : n;
}

#endif

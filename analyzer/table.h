/* table.h - sites of several snapshots matched by symbolic identity.
 *
 * A table holds one row per group (a site, or a function/line/file/module
 * with --by) and, per snapshot, the group's live bytes, blocks, samples and
 * the sampling variance of its bytes (stats.c).  Snapshots are added one at
 * a time, so a caller loads a snapshot, adds it and frees it before loading
 * the next: each row keeps its label and its representative stack as
 * frame labels interned in the table's own string pool (strpool.h) (one copy per distinct
 * frame).
 */
#ifndef CCX_TABLE_H
#define CCX_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "frames.h"
#include "snapshot.h"
#include "strpool.h"

struct ccx_row {
    uint64_t key;
    uint8_t layer;
    uint32_t label;     /* table pool offset */
    uint32_t stack_off; /* into the table's frame-index vector */
    uint32_t stack_len;
    uint32_t key_pos;   /* position of the grouping frame (frames.h) in the
                         * stack; stack_len when the stack is empty */
    double *bytes, *blocks, *samples, *var; /* [k] each */
    double *alloc;      /* [k]: bytes allocated there since the process
                         * started (the sites' alloc_bytes, an estimate) */
};

struct ccx_tframe {
    uint64_t hash;
    uint32_t label; /* pool offset */
    uint32_t idx;   /* position in frames[] */
    uint32_t line;  /* Python: the line */
    uint16_t part_a, part_b; /* where the label's parts end (ccx_frame_format_parts) */
    uint8_t py;
};

/* uint64 -> index, open addressing with linear probing (keys are hashes). */
struct ccx_u64map {
    uint64_t *keys;
    uint32_t *vals; /* index + 1; 0 = empty slot */
    size_t cap, n;
};

struct ccx_table {
    size_t k, nrows, cap;
    enum ccx_by by;
    double *sample_T;    /* [k] sampling interval of each snapshot (0 = all) */
    struct ccx_u64map rowmap, framemap;
    struct ccx_row **rows;
    struct ccx_tframe **frames;
    size_t nframes, fcap;
    uint32_t *stackv;
    size_t nstackv, stackcap;
    struct ccx_strpool strs; /* offset 0 is the empty string */
};

struct ccx_table *ccx_table_new(size_t k, enum ccx_by by);
/* Adds snapshot number i (0 <= i < k).  Returns -1 when out of memory. */
int ccx_table_add(struct ccx_table *t, size_t i, const struct ccx_snap *s);
/* Sets each row's variance floor (zero samples) once all snapshots are in. */
void ccx_table_finish(struct ccx_table *t);
static inline const char *ccx_table_str(const struct ccx_table *t, uint32_t off)
{
    return ccx_strpool_str(&t->strs, off);
}
/* Frame j (leaf first) of a row's representative stack. */
static inline const struct ccx_tframe *ccx_row_frame(const struct ccx_table *t,
                                                     const struct ccx_row *r, uint32_t j)
{
    return t->frames[t->stackv[r->stack_off + j]];
}
void ccx_table_free(struct ccx_table *t);

#endif

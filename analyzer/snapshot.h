/* snapshot.h - one ccxtrace snapshot, read into compact structures.
 *
 * The reader (snapshot.c, snaptables.c) streams one JSON file through
 * jsonread.h, validates it against the format (docs/snapshot-format.md,
 * field names from common/ccx_format.h) and copies what the analyzer needs
 * into the flat arrays below as it goes: the file is never held whole, no
 * tree of its big arrays is built, a member it does not know is skipped
 * unbuilt, so reading costs a small multiple of the arrays kept.  Every
 * string lives in one pool per snapshot (snap->strs, strpool.h); frames, stacks and
 * sites refer to each other by array index.  Each frame, stack and site also
 * carries a 64-bit hash of its *symbolic* identity (module basename +
 * symbol, or Python file + function + line), which is how sites are matched
 * across snapshots, processes and runs (never by raw address).
 */
#ifndef CCX_SNAPSHOT_H
#define CCX_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "ident.h"
#include "strpool.h"

/* Caps that turn absurd input into a clear error instead of a huge allocation. */
#define CCX_MAX_STACK_DEPTH 4096
#define CCX_MAX_ITEMS       (1u << 26) /* sites, frames, stacks, modules, types */
#define CCX_MAX_NUMBER      9.0e15     /* 2^53: above it a count is absurd */

struct ccx_holders;

enum ccx_kind { CCX_FRAME_NATIVE = 0, CCX_FRAME_PYTHON = 1 };
enum ccx_layer { CCX_L_LIBC = 0, CCX_L_PYTHON = 1, CCX_L_MMAP = 2, CCX_L_OTHER = 3 };

struct ccx_frame {
    uint32_t module_name; /* native: pool offset of the module basename (0 = none) */
    uint32_t name;        /* native: symbol; python: function (0 = none) */
    uint32_t file;        /* python: file (0 = none) */
    uint32_t line;        /* python: line */
    uint64_t offset;      /* native: offset in module */
    uint64_t symbol_offset;
    uint64_t hash;        /* symbolic identity */
    uint8_t kind;
    uint8_t skip;         /* native frame inside the allocator or the tracer */
};

struct ccx_site {
    uint32_t stack;
    uint8_t layer;
    double live_bytes, live_blocks, live_samples, alloc_bytes, alloc_calls;
    uint64_t key; /* hash(stack symbolic identity, layer) */
};

struct ccx_type {
    uint32_t name; /* pool offset */
    double count, bytes; /* bytes: the objects with the storage they own
                          * ("bytes" + "owned_bytes" of the snapshot) */
};

struct ccx_census {
    int present;
    size_t ntypes;
    struct ccx_type *types;
};

struct ccx_python {
    int present;
    uint32_t version;               /* pool offset */
    int has_gc;
    double gc_count[3], gc_threshold[3];
    int gc_nstats;
    double gc_collections[3], gc_collected[3], gc_uncollectable[3];
    struct ccx_census types;        /* census at the snapshot */
    double census_ms;
    int has_after;                  /* CCXTRACE_GC_COLLECT=1 */
    double after_collected;         /* what gc.collect() returned */
    int has_after_live;             /* after_collect.live_bytes present (newer tracers) */
    double after_live_bytes, after_live_blocks; /* the traced heap after gc.collect() */
    struct ccx_census after;        /* census after gc.collect() */
    struct ccx_census deep;         /* python.deep's types: the untracked objects (newer tracers) */
    struct ccx_holders *holders;    /* python.holders (holders.h), NULL if absent */
};

struct ccx_snap {
    char *path;            /* as given on the command line */
    /* identity */
    uint32_t host, exe, cmdline, reason, label, time_str; /* pool offsets */
    uint32_t instance;     /* "instance_id": random per process (0 = older tracer) */
    double pid, start_time, seq, uptime_s;
    double time;           /* epoch seconds (from "time", else start_time + uptime_s) */
    int sample_mode;       /* 1 = sampling, 0 = all */
    double interval;       /* sampling interval in bytes (0 in all mode) */
    /* totals */
    double alloc_calls, free_calls, alloc_bytes, free_bytes, live_bytes, live_blocks;
    int has_totals;
    /* tracer */
    double self_bytes, tracer_live_samples, tracer_stacks, write_ms;
    /* process (-1 = absent) */
    double rss, hwm, anon, vm, cgroup;
    double heap_in_use;    /* mallinfo2 uordblks + hblkhd, -1 if absent */
    struct ccx_python py;
    /* tables */
    size_t nframes, nstacks, nsites;
    struct ccx_frame *frames;
    uint32_t *stack_start, *stack_len; /* into stack_frames */
    uint64_t *stack_hash;
    uint32_t *stack_frames;
    size_t nstack_frames;
    struct ccx_site *sites;
    /* string pool; offset 0 is the empty string */
    struct ccx_strpool strs;
};

static inline const char *ccx_str(const struct ccx_snap *s, uint32_t off)
{
    return ccx_strpool_str(&s->strs, off);
}

/* Reads PATH into *out.  On error returns -1 and writes one line (without
 * the file name, which the caller prefixes) into err. */
int ccx_snap_load(const char *path, struct ccx_snap *out, char *err, size_t errlen);
/* Same from memory (the fuzzer and the unit tests). */
int ccx_snap_parse(const char *buf, size_t len, const char *name, struct ccx_snap *out,
                   char *err, size_t errlen);
void ccx_snap_free(struct ccx_snap *s);

/* A UTC time stamp -> epoch seconds; 0, or -1 when malformed.  Strict
 * (loose = 0): the snapshot format's "2026-11-26T22:40:00Z".  Loose: other
 * tools' CSV stamps too ("2025-12-11 09:10:22"). */
int ccx_parse_utc(const char *t, int loose, double *out);

const char *ccx_layer_name(int layer);

#endif

/* ccx_format.h - the snapshot format's names, in one place.
 *
 * The writer (preload/) and the reader (analyzer/) both use these names, so a
 * field can never be spelt two ways.  The format is described in
 * docs/snapshot-format.md; evolving it: readers ignore unknown fields,
 * adding a field keeps CCX_FORMAT_VERSION, renaming or removing one or
 * changing a meaning raises it.
 */
#ifndef CCX_FORMAT_H
#define CCX_FORMAT_H

#define CCX_FORMAT_NAME    "ccxtrace-snapshot"
#define CCX_FORMAT_VERSION 1

/* File names: ccxtrace.<host>.<pid>.<start>.<seq>.json and the stats CSV. */
#define CCX_FILE_PREFIX    "ccxtrace."
#define CCX_FILE_SUFFIX    ".json"
#define CCX_STATS_SUFFIX   ".stats.csv"
#define CCX_TMP_SUFFIX     ".tmp"
#define CCX_STATS_HEADER \
    "time_utc,uptime_s,rss_bytes,live_bytes,tracer_bytes," \
    "gc_count0,gc_count1,gc_count2,gc_collections0,gc_collections1,gc_collections2"

/* Top level. */
#define CCX_F_FORMAT     "format"
#define CCX_F_VERSION    "version"
#define CCX_F_HOST       "host"
#define CCX_F_PID        "pid"
#define CCX_F_START_TIME "start_time"
#define CCX_F_INSTANCE   "instance_id" /* added: random per process, new in a fork child */
#define CCX_F_EXE        "exe"
#define CCX_F_CMDLINE    "cmdline"
#define CCX_F_SEQ        "seq"
#define CCX_F_REASON     "reason"
#define CCX_F_LABEL      "label"
#define CCX_F_TIME       "time"
#define CCX_F_UPTIME_S   "uptime_s"
#define CCX_F_SAMPLING   "sampling"
#define CCX_F_TOTALS     "totals"
#define CCX_F_TRACER     "tracer"
#define CCX_F_PROCESS    "process"
#define CCX_F_PYTHON     "python"
#define CCX_F_MODULES    "modules"
#define CCX_F_FRAMES     "frames"
#define CCX_F_STACKS     "stacks"
#define CCX_F_SITES      "sites"
#define CCX_F_PRESSURE   "pressure" /* added: the memory-pressure watch's last reading, or null */

/* reason values */
#define CCX_REASON_SIGNAL   "signal"
#define CCX_REASON_INTERVAL "interval"
#define CCX_REASON_TRIGGER  "trigger"
#define CCX_REASON_EXIT     "exit"
#define CCX_REASON_API      "api"
#define CCX_REASON_PRESSURE "pressure" /* added: CCXTRACE_PRESSURE; label "pressure-<threshold>" */
#define CCX_REASON_TERM     "term"     /* added: CCXTRACE_ON_TERM=snapshot, on SIGTERM */

/* sampling */
#define CCX_F_MODE           "mode"
#define CCX_F_INTERVAL_BYTES "interval_bytes"
#define CCX_MODE_SAMPLE      "sample"
#define CCX_MODE_ALL         "all"

/* totals (and the per-site counters share the live_* / alloc_* names) */
#define CCX_F_ALLOC_CALLS  "alloc_calls"
#define CCX_F_FREE_CALLS   "free_calls"
#define CCX_F_ALLOC_BYTES  "alloc_bytes"
#define CCX_F_FREE_BYTES   "free_bytes"
#define CCX_F_LIVE_BYTES   "live_bytes"
#define CCX_F_LIVE_BLOCKS  "live_blocks"
#define CCX_F_LIVE_SAMPLES "live_samples"

/* tracer */
#define CCX_F_SELF_BYTES "self_bytes"
#define CCX_F_WRITE_MS   "write_ms"
/* also CCX_F_LIVE_SAMPLES and CCX_F_STACKS (a count here) */

/* process */
#define CCX_F_RSS_BYTES     "rss_bytes"
#define CCX_F_HWM_BYTES     "hwm_bytes"
#define CCX_F_ANON_BYTES    "anon_bytes"
#define CCX_F_VM_BYTES      "vm_bytes"
#define CCX_F_HEAP          "heap"
#define CCX_F_CGROUP_MEMORY "cgroup_memory_bytes"
/* process.heap: glibc mallinfo2() fields, named as in <malloc.h> */
#define CCX_F_HEAP_ARENA    "arena"
#define CCX_F_HEAP_ORDBLKS  "ordblks"
#define CCX_F_HEAP_HBLKS    "hblks"
#define CCX_F_HEAP_HBLKHD   "hblkhd"
#define CCX_F_HEAP_UORDBLKS "uordblks"
#define CCX_F_HEAP_FORDBLKS "fordblks"
#define CCX_F_HEAP_KEEPCOST "keepcost"

/* pressure (added; CCXTRACE_PRESSURE, docs/snapshot-format.md) */
#define CCX_F_PR_CGROUP      "cgroup"            /* "v1", "v2" or null (none readable) */
#define CCX_F_PR_LIMIT       "limit_bytes"       /* the smallest limit of the cgroup and its ancestors; null = none */
#define CCX_F_PR_USAGE       "usage_bytes"       /* memory.current / memory.usage_in_bytes */
#define CCX_F_PR_WORKING_SET "working_set_bytes" /* usage - inactive file pages */
#define CCX_F_PR_COMPARED    "compared"          /* what the thresholds compared with */
#define CCX_F_PR_UNDER       "under_pressure"    /* a threshold fired and has not re-armed */
#define CCX_PR_CGROUP_V1     "v1"
#define CCX_PR_CGROUP_V2     "v2"
#define CCX_PR_BY_WORKING_SET "working_set"
#define CCX_PR_BY_RSS        "rss"

/* python */
#define CCX_F_PY_VERSION    "version"
/* python.interpreter (added): the interpreter the census and the gc
 * figures cover: {"id": PyInterpreterState_GetID, "main": true|false} */
#define CCX_F_PY_INTERP      "interpreter"
#define CCX_F_PY_INTERP_ID   "id"
#define CCX_F_PY_INTERP_MAIN "main"
#define CCX_F_GC            "gc"
#define CCX_F_GC_COUNT      "count"
#define CCX_F_GC_THRESHOLD  "threshold"
#define CCX_F_GC_STATS      "stats"
#define CCX_F_COLLECTIONS   "collections"
#define CCX_F_COLLECTED     "collected"
#define CCX_F_UNCOLLECTABLE "uncollectable"
#define CCX_F_TYPES         "types"
#define CCX_F_TYPE_NAME     "name"
#define CCX_F_TYPE_COUNT    "count"
#define CCX_F_TYPE_BYTES    "bytes"
#define CCX_F_TYPE_OWNED    "owned_bytes" /* added: lists', dicts', sets' separate storage */
#define CCX_F_CENSUS_MS     "census_ms"
#define CCX_F_AFTER_COLLECT "after_collect"
/* the deep census (added; preload/python/py_deep.c, docs/snapshot-format.md):
 * python.census_form says which form ran, census_form_why why the deep
 * form was wanted and not taken; python.deep has, besides CCX_F_TYPES
 * (the untracked objects reached, by type, as the census's entries): */
#define CCX_F_CENSUS_FORM     "census_form"
#define CCX_F_CENSUS_FORM_WHY "census_form_why"
#define CCX_CENSUS_FORM_DEEP    "deep"
#define CCX_CENSUS_FORM_TRACKED "tracked"
#define CCX_CENSUS_WHY_PRESSURE "the process is under memory pressure (CCXTRACE_PRESSURE)"
#define CCX_CENSUS_WHY_LAYOUT   "no deep-census layout for this Python version"
#define CCX_CENSUS_WHY_MEMORY   "out of memory for the visited set"
#define CCX_F_DEEP            "deep"
#define CCX_F_DEEP_OBJECTS    "objects"      /* untracked objects counted */
#define CCX_F_DEEP_BYTES      "bytes"        /* their bytes with owned bytes */
#define CCX_F_DEEP_UNSEEN     "unseen"       /* reached once the visited set was full: not counted */
#define CCX_F_DEEP_UNEXPLORED "unexplored"   /* untracked containers counted but not followed */
#define CCX_F_DEEP_MEMORY     "memory_bytes" /* the deep census's transient memory, peak */
#define CCX_F_DEEP_MS         "deep_ms"      /* its time, GIL held */
#define CCX_F_DEEP_CPU_MS     "deep_cpu_ms"  /* the CPU time of that (less when other threads took the CPU) */

/* modules */
#define CCX_F_ID       "id"
#define CCX_F_PATH     "path"
#define CCX_F_BUILD_ID "build_id"
#define CCX_F_BASE     "base"

/* frames */
#define CCX_F_KIND          "kind"
#define CCX_F_MODULE        "module"
#define CCX_F_OFFSET        "offset"
#define CCX_F_SYMBOL        "symbol"
#define CCX_F_SYMBOL_OFFSET "symbol_offset"
#define CCX_F_FILE          "file"
#define CCX_F_FUNCTION      "function"
#define CCX_F_LINE          "line"
#define CCX_KIND_NATIVE     "native"
#define CCX_KIND_PYTHON     "python"

/* stacks and sites */
#define CCX_F_STACK_FRAMES "frames"
#define CCX_F_STACK        "stack"
#define CCX_F_LAYER        "layer"
#define CCX_LAYER_LIBC     "libc"
#define CCX_LAYER_PYTHON   "python"
#define CCX_LAYER_MMAP     "mmap"

/* python.holders ("who holds it", docs/holders.md, docs/snapshot-format.md) */
#define CCX_F_HOLDERS          "holders"
#define CCX_F_HOLD_SEARCH_MS   "search_ms"
#define CCX_F_HOLD_GRAPH_MS    "graph_ms"
#define CCX_F_HOLD_OBJECTS     "objects"
#define CCX_F_HOLD_EDGES       "edges"
#define CCX_F_HOLD_ROOTS       "roots"
#define CCX_F_HOLD_SAMPLES     "samples"
#define CCX_F_HOLD_ERROR       "error"
/* the error when the search is skipped under memory pressure (CCXTRACE_PRESSURE) */
#define CCX_HOLD_SKIPPED_PRESSURE "skipped: the process is under memory pressure (CCXTRACE_PRESSURE)"
/* also CCX_F_TYPES; per type CCX_F_TYPE_NAME and CCX_F_TYPE_COUNT, and: */
#define CCX_F_HOLD_WHY         "why"
#define CCX_F_HOLD_GROWTH      "growth"
#define CCX_F_HOLD_EXAMINED    "examined"
#define CCX_F_HOLD_GARBAGE     "garbage"
#define CCX_F_HOLD_PATHS       "paths"
/* path elements */
#define CCX_F_HOLD_TYPE        "type"
#define CCX_F_HOLD_VIA         "via"
#define CCX_F_HOLD_LABEL       "label"
#define CCX_F_HOLD_REPR        "repr"
#define CCX_F_HOLD_REFS        "refs"
#define CCX_F_HOLD_DETAIL      "detail"
/* why values */
#define CCX_HOLD_WHY_GROWTH    "growth"
#define CCX_HOLD_WHY_NAMED     "named"
/* via values: how an element is reached from the one before it */
#define CCX_VIA_ROOT           "root"
#define CCX_VIA_GLOBAL         "global"
#define CCX_VIA_ATTRIBUTE      "attribute"
#define CCX_VIA_KEY            "key"
#define CCX_VIA_INDEX          "index"
#define CCX_VIA_LOCAL          "local"
#define CCX_VIA_REFERENT       "referent"
#define CCX_VIA_ELIDED         "elided"
/* root labels (via "root") */
#define CCX_ROOT_SYS_MODULES   "sys.modules"
#define CCX_ROOT_MODULE        "module globals"
#define CCX_ROOT_RUNNING_FRAME "running frame"
#define CCX_ROOT_RUNNING_LOCAL "running frame local"
#define CCX_ROOT_IMMORTAL      "interpreter"
#define CCX_ROOT_EXTERNAL      "external reference"

#endif

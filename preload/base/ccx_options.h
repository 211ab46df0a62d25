/* ccx_options.h - the preload's options (CCXTRACE_* environment variables).
 *
 * Every option lives in one table in ccx_options.c (name, variable,
 * default, parser, doc); docs/preload.md mirrors it.  Parsing never
 * allocates: it runs in the library constructor, before the hooks are ready.
 * A bad value gives one "ccxtrace:" line (the value escaped: one line,
 * printable ASCII) and the option keeps its default; CCXTRACE_ONLY fails
 * closed instead (a bad value traces no process).
 */
#ifndef CCX_OPTIONS_H
#define CCX_OPTIONS_H


#include <stddef.h>
#include <stdint.h>

/* Limits of "who holds it" (docs/holders.md): CCXTRACE_HOLDERS, how many
 * of the top growing types to examine (0 to CCX_HOLDERS_TOP_MAX);
 * CCXTRACE_HOLDERS_SAMPLES, instances examined per type (1 to
 * CCX_HOLDERS_SAMPLES_MAX); CCXTRACE_HOLDERS_TYPES, the type names always
 * examined, split at commas and trimmed of blanks, empty items dropped
 * (at most CCX_HOLDERS_TYPES_MAX names, each shorter than
 * CCX_HOLDERS_NAME_LEN). */
#define CCX_HOLDERS_TOP_MAX     64
#define CCX_HOLDERS_SAMPLES_MAX 20
#define CCX_HOLDERS_TYPES_MAX   16
#define CCX_HOLDERS_NAME_LEN    96

#define CCX_PATH_MAX 1024
#define CCX_ONLY_MAX 255 /* longest CCXTRACE_ONLY, in bytes */

/* CCXTRACE_PRESSURE: memory thresholds (ccx_pressure.c). */
#define CCX_PRESSURE_MAX 8
struct ccx_threshold {
    uint32_t basis_points; /* a share of the limit in 1/100 %, 1-10000; 0 = an absolute size */
    uint64_t bytes;        /* the absolute size */
    char text[24];         /* as written: "80%", "1.5GiB" (the snapshot's label) */
};
struct ccx_thresholds {
    int n; /* 0 = off */
    struct ccx_threshold t[CCX_PRESSURE_MAX];
};

/* CCXTRACE_CENSUS beyond 0 and 1 (1: the default form, deep). */
enum { CCX_CENSUS_TRACKED = 2, CCX_CENSUS_DEEP = 3 };

struct ccx_options {
    uint64_t sample;            /* mean sampling interval in bytes; CCX_SIZE_ALL = every allocation */
    int depth;                  /* native stack depth cap */
    char dir[CCX_PATH_MAX];     /* output directory ("" = current directory at start) */
    int signal;                 /* snapshot signal; 0 = none */
    uint64_t interval_ns;       /* periodic snapshots; 0 = off */
    char trigger[CCX_PATH_MAX]; /* trigger file; "" = none */
    int at_exit;                /* snapshot at exit */
    uint64_t stats_interval_ns; /* stats CSV period; 0 = off */
    struct ccx_only {           /* trace only processes whose exe/argv[0] contains text */
        char text[CCX_ONLY_MAX + 1];
        int refused;            /* the value was bad: trace no process at all */
    } only;
    int file_mode;              /* mode of snapshots and the stats CSV (fchmod) */
    int mmap;                   /* trace anonymous mmap */
    int max_stacks;             /* capacity of the stack table */
    int census;                 /* Python layer: type census at each snapshot (0, 1 or CCX_CENSUS_*) */
    int gc_collect;             /* Python layer: census again after gc.collect() */
    int python;                 /* Python layer enabled */
    int holders;                /* Python layer: top growing types examined for holders */
    int holders_samples;        /* Python layer: instances examined per type */
    struct ccx_type_names {     /* Python layer: types always examined */
        int n;
        char name[CCX_HOLDERS_TYPES_MAX][CCX_HOLDERS_NAME_LEN];
    } holders_types;
    struct ccx_thresholds pressure; /* memory-pressure snapshots */
    int keep;                       /* interval snapshots kept (0 = all) */
    uint64_t max_disk;              /* cap on all ccxtrace files in dir (0 = none) */
    int on_term;                    /* CCXTRACE_ON_TERM=snapshot */
};

/* Looks up a variable's value; getenv in the library, a table in tests. */
typedef const char *(*ccx_getenv_fn)(const char *name);
/* Receives one complete warning line (without the trailing newline). */
typedef void (*ccx_warn_fn)(const char *line);

/* Fills *o with defaults, then applies every variable that is set; returns
 * the number of bad values (each reported through warn). */
int ccx_options_parse(struct ccx_options *o, ccx_getenv_fn get, ccx_warn_fn warn);

/* Applies the one variable env to a scratch copy, reporting a bad value
 * through warn like ccx_options_parse(); 1 when it was bad.  (The
 * constructor parses quietly first, then reports only what matters.) */
int ccx_options_check(const char *env, ccx_getenv_fn get, ccx_warn_fn warn);

/* The process's options: the one getter every part of the preload reads
 * them through (the Python layer too).  Filled once by ccx_options_load()
 * in the library constructor (control/ccx_init.c), before any other thread
 * of the tracer exists; read-only afterwards. */
const struct ccx_options *ccx_opts(void);
/* ccx_options_parse() into the process's options. */
int ccx_options_load(ccx_getenv_fn get, ccx_warn_fn warn);

/* The table, for docs and tests. */
struct ccx_option_doc {
    const char *env;
    const char *def;
    const char *doc;
};
const struct ccx_option_doc *ccx_options_doc(size_t *n);

#endif

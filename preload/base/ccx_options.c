/* ccx_options.c - the one table of CCXTRACE_* options (see ccx_options.h).
 *
 * Each row: variable, default (as text, parsed by the row's own parser, so
 * a default can never disagree with its parser), parser, field, doc.
 * docs/preload.md lists the same rows; tests/unit/preload/test_options.c
 * checks the defaults and every parser's rejections.
 */
#include "ccx_options.h"
#include "ccx_pressure.h"
#include "ccx_signal.h"
#include "ccx_text.h"
#include "ccx_units.h"

#include <stdio.h>
#include <string.h>

/* A parser returns 0, or -1 for a bad value (the option keeps its
 * default), or FAIL_CLOSED for a bad value that must not fall back to a
 * default (the field keeps what the parser left there). */
typedef int (*parse_fn)(const char *v, void *field, const char **why);
#define FAIL_CLOSED (-2)

static int p_sample(const char *v, void *f, const char **why)
{
    uint64_t x;
    int st = ccx_parse_size(v, CCX_SIZE_ALLOW_ALL, &x);
    if (st == CCX_PARSE_OK && x == 0)
        st = CCX_PARSE_RANGE;
    if (st != CCX_PARSE_OK) {
        *why = st == CCX_PARSE_RANGE ? "must be at least 1 byte, or \"all\"" : ccx_parse_strerror(st);
        return -1;
    }
    *(uint64_t *)f = x;
    return 0;
}

static int p_int(const char *v, void *f, const char **why, uint64_t lo, uint64_t hi)
{
    uint64_t x = 0;
    const char *p = v;
    if (!*p) {
        *why = "empty value";
        return -1;
    }
    for (; *p; p++) {
        if (*p < '0' || *p > '9') {
            *why = "not a whole number";
            return -1;
        }
        x = x * 10 + (uint64_t)(*p - '0');
        if (x > hi) {
            *why = "out of range";
            return -1;
        }
    }
    if (x < lo) {
        *why = "out of range";
        return -1;
    }
    *(int *)f = (int)x;
    return 0;
}

static int p_depth(const char *v, void *f, const char **why)
{
    if (p_int(v, f, why, 1, 256) == 0)
        return 0;
    *why = "must be a whole number from 1 to 256";
    return -1;
}

static int p_max_stacks(const char *v, void *f, const char **why)
{
    if (p_int(v, f, why, 1024, 4194304) == 0)
        return 0;
    *why = "must be a whole number from 1024 to 4194304";
    return -1;
}

#define STR_(x) #x
#define STR(x) STR_(x)

static int p_holders(const char *v, void *f, const char **why)
{
    if (p_int(v, f, why, 0, CCX_HOLDERS_TOP_MAX) == 0)
        return 0;
    *why = "must be a whole number from 0 to " STR(CCX_HOLDERS_TOP_MAX);
    return -1;
}

static int p_holders_samples(const char *v, void *f, const char **why)
{
    if (p_int(v, f, why, 1, CCX_HOLDERS_SAMPLES_MAX) == 0)
        return 0;
    *why = "must be a whole number from 1 to " STR(CCX_HOLDERS_SAMPLES_MAX);
    return -1;
}

/* A comma-separated list of type names: each item trimmed of blanks
 * (spaces, tabs), empty items skipped; at most CCX_HOLDERS_TYPES_MAX
 * names, each shorter than CCX_HOLDERS_NAME_LEN bytes. */
static int p_type_names(const char *v, void *f, const char **why)
{
    struct ccx_type_names *t = f;
    memset(t, 0, sizeof *t);
    while (v) {
        const char *e = strchr(v, ',');
        size_t n = e ? (size_t)(e - v) : strlen(v);
        while (n && (*v == ' ' || *v == '\t')) {
            v++;
            n--;
        }
        while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
            n--;
        if (n) {
            if (t->n == CCX_HOLDERS_TYPES_MAX) {
                *why = "more than " STR(CCX_HOLDERS_TYPES_MAX) " type names";
                memset(t, 0, sizeof *t);
                return -1;
            }
            if (n >= CCX_HOLDERS_NAME_LEN) {
                *why = "a type name of " STR(CCX_HOLDERS_NAME_LEN) " bytes or more";
                memset(t, 0, sizeof *t);
                return -1;
            }
            memcpy(t->name[t->n], v, n);
            t->name[t->n++][n] = 0;
        }
        v = e ? e + 1 : NULL;
    }
    return 0;
}

static int p_duration(const char *v, void *f, const char **why)
{
    uint64_t ns;
    if (strcmp(v, "off") == 0 || strcmp(v, "0") == 0) {
        *(uint64_t *)f = 0;
        return 0;
    }
    int st = ccx_parse_duration(v, &ns);
    if (st == CCX_PARSE_OK && ns < 1000000ull)
        st = CCX_PARSE_RANGE;
    if (st != CCX_PARSE_OK) {
        *why = st == CCX_PARSE_RANGE ? "must be at least 1ms, or 0/off" : ccx_parse_strerror(st);
        return -1;
    }
    *(uint64_t *)f = ns;
    return 0;
}

static int p_bool(const char *v, void *f, const char **why)
{
    static const char *yes[] = {"1", "yes", "true", "on"}, *no[] = {"0", "no", "false", "off"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *(int *)f = 1;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *(int *)f = 0;
            return 0;
        }
    }
    *why = "must be 1 or 0 (yes/no, true/false, on/off)";
    return -1;
}

/* 0 or 1 as p_bool (1: the default form), or "deep" or "tracked". */
static int p_census(const char *v, void *f, const char **why)
{
    if (strcasecmp(v, "deep") == 0 || strcasecmp(v, "tracked") == 0) {
        *(int *)f = v[0] == 'd' || v[0] == 'D' ? CCX_CENSUS_DEEP : CCX_CENSUS_TRACKED;
        return 0;
    }
    if (p_bool(v, f, why) == 0)
        return 0;
    *why = "must be deep, tracked, or 1 or 0 (yes/no, true/false, on/off)";
    return -1;
}

static int p_str(const char *v, void *f, size_t cap, const char **why)
{
    size_t n = strlen(v);
    if (n >= cap) {
        *why = "too long";
        return -1;
    }
    memcpy(f, v, n + 1);
    return 0;
}

static int p_path(const char *v, void *f, const char **why)
{
    return p_str(v, f, CCX_PATH_MAX, why);
}

/* Too long a value fails closed (FAIL_CLOSED): no process is traced,
 * rather than every one. */
static int p_only(const char *v, void *f, const char **why)
{
    struct ccx_only *o = f;
    o->refused = 0;
    if (p_str(v, o->text, sizeof o->text, why) == 0)
        return 0;
    o->text[0] = 0;
    o->refused = 1;
    *why = "longer than " STR(CCX_ONLY_MAX) " bytes";
    return FAIL_CLOSED;
}

/* An octal file mode that keeps the files the owner's to read and write
 * and nobody's to run: 0600 to 0666 without execute bits. */
static int p_mode(const char *v, void *f, const char **why)
{
    unsigned m = 0;
    const char *p = v;
    for (; *p >= '0' && *p <= '7' && m <= 07777; p++)
        m = m * 8 + (unsigned)(*p - '0');
    if (!*v || *p || (m & ~0666u) || (m & 0600u) != 0600u) {
        *why = "must be an octal mode from 0600 to 0666 without execute bits (e.g. 0600, 0640, 0644)";
        return -1;
    }
    *(int *)f = (int)m;
    return 0;
}

static int p_signal(const char *v, void *f, const char **why)
{
    int st = ccx_signal_parse(v, CCX_SIGNAL_ALLOW_NONE, (int *)f);
    if (st == CCX_SIGNAL_OK)
        return 0;
    *why = st == CCX_SIGNAL_REFUSED
               ? "a signal the program may rely on (" CCX_SIGNAL_ALLOWED_TEXT ", e.g. USR1, RTMIN+3, or none)"
               : "not a signal (e.g. USR2, SIGUSR1, 12, RTMIN+3, none)";
    return -1;
}

static int p_pressure(const char *v, void *f, const char **why)
{
    return ccx_pressure_parse(v, f, why);
}

static int p_keep(const char *v, void *f, const char **why)
{
    if (p_int(v, f, why, 0, 10000) == 0)
        return 0;
    *why = "must be a whole number from 0 (all) to 10000";
    return -1;
}

static int p_max_disk(const char *v, void *f, const char **why)
{
    if (strcmp(v, "off") == 0 || strcmp(v, "0") == 0) {
        *(uint64_t *)f = 0;
        return 0;
    }
    int st = ccx_parse_size(v, 0, f);
    if (st != CCX_PARSE_OK) {
        *why = ccx_parse_strerror(st);
        return -1;
    }
    return 0;
}

static int p_on_term(const char *v, void *f, const char **why)
{
    if (strcmp(v, "snapshot") == 0) {
        *(int *)f = 1;
        return 0;
    }
    if (!*v || strcmp(v, "none") == 0 || strcmp(v, "off") == 0) {
        *(int *)f = 0;
        return 0;
    }
    *why = "must be snapshot or none";
    return -1;
}

#define F(field) offsetof(struct ccx_options, field)

static const struct row {
    const char *env;
    const char *def;
    parse_fn parse;
    size_t off;
    const char *doc;
} rows[] = {
    {"CCXTRACE_SAMPLE", "512k", p_sample, F(sample),
     "mean sampling interval in bytes (Poisson sampling by bytes); \"all\" records every allocation"},
    {"CCXTRACE_DEPTH", "64", p_depth, F(depth), "maximum native frames per stack (1-256)"},
    {"CCXTRACE_DIR", "", p_path, F(dir),
     "directory for snapshots and the stats CSV (default: the current directory at start)"},
    {"CCXTRACE_SIGNAL", "USR2", p_signal, F(signal),
     "signal that triggers a snapshot (name or number, \"none\" disables)"},
    {"CCXTRACE_INTERVAL", "0", p_duration, F(interval_ns),
     "take a snapshot every this long (e.g. 10m; 0 or off disables)"},
    {"CCXTRACE_TRIGGER", "", p_path, F(trigger),
     "trigger file, polled about once a second; a change of its content, size or mtime takes a snapshot; a line label=TEXT labels it"},
    {"CCXTRACE_AT_EXIT", "1", p_bool, F(at_exit), "take a snapshot when the process exits (0 disables)"},
    {"CCXTRACE_STATS_INTERVAL", "0", p_duration, F(stats_interval_ns),
     "append a line to the stats CSV every this long (0 or off disables)"},
    {"CCXTRACE_ONLY", "", p_only, F(only),
     "trace only processes whose executable path or argv[0] contains this text; too long a value traces none"},
    {"CCXTRACE_FILE_MODE", "0600", p_mode, F(file_mode),
     "permissions of snapshots and the stats CSV (octal, 0600-0666, no execute bits), set whatever the umask"},
    {"CCXTRACE_MMAP", "1", p_bool, F(mmap), "also trace anonymous mmap/mremap/munmap by mapped length"},
    {"CCXTRACE_MAX_STACKS", "262144", p_max_stacks, F(max_stacks),
     "distinct (stack, layer) sites kept; further ones are counted in one overflow site per layer"},
    {"CCXTRACE_PYTHON", "1", p_bool, F(python), "enable the Python layer (PyMem hooks, Python frames, census)"},
    {"CCXTRACE_CENSUS", "1", p_census, F(census),
     "Python: count live objects by type at each snapshot: deep (the default, 1) adds the untracked objects the tracked ones reach (str, bytes, int, ...); tracked counts only gc-tracked ones; 0 disables"},
    {"CCXTRACE_GC_COLLECT", "0", p_bool, F(gc_collect),
     "Python: after the census, run gc.collect() and take a second census"},
    {"CCXTRACE_HOLDERS", "3", p_holders, F(holders),
     "Python: how many of the top growing types get reference paths at each snapshot after the first (0-" STR(CCX_HOLDERS_TOP_MAX) ")"},
    {"CCXTRACE_HOLDERS_SAMPLES", "3", p_holders_samples, F(holders_samples),
     "Python: instances examined per type for reference paths (1-" STR(CCX_HOLDERS_SAMPLES_MAX) ")"},
    {"CCXTRACE_HOLDERS_TYPES", "", p_type_names, F(holders_types),
     "Python: comma-separated type names always examined for reference paths (at most " STR(CCX_HOLDERS_TYPES_MAX) ")"},
    {"CCXTRACE_PRESSURE", "80%,95%", p_pressure, F(pressure),
     "snapshot when memory first reaches each threshold: shares of the cgroup's limit or sizes (e.g. 1.5GiB); off disables"},
    {"CCXTRACE_KEEP", "0", p_keep, F(keep),
     "keep at most this many interval snapshots of the process, thinned evenly (the first stays); 0 keeps all"},
    {"CCXTRACE_MAX_DISK", "0", p_max_disk, F(max_disk),
     "cap on all ccxtrace files in the directory (every process's); past it nothing more is written; 0 or off: none"},
    {"CCXTRACE_ON_TERM", "", p_on_term, F(on_term),
     "snapshot: on SIGTERM (when its inherited disposition is the default) a last snapshot, then the default end"},
};

/* Applies row r's variable (its default first); 1 when the value was bad. */
static int apply_row(struct ccx_options *o, const struct row *r, ccx_getenv_fn get, ccx_warn_fn warn)
{
    const char *why = "";
    void *field = (char *)o + r->off;
    r->parse(r->def, field, &why);
    const char *v = get ? get(r->env) : NULL;
    int st = v ? r->parse(v, field, &why) : 0;
    if (st == 0)
        return 0;
    /* the value is shown escaped: one line, nothing for the terminal */
    char shown[128], line[512];
    ccx_escape(shown, sizeof shown, v, strlen(v), CCX_ESC_QUOTED);
    if (st == FAIL_CLOSED) {
        snprintf(line, sizeof line, "ccxtrace: %s=\"%s\": %s; tracing nothing", r->env, shown, why);
    } else {
        snprintf(line, sizeof line, "ccxtrace: %s=\"%s\": %s; using the default \"%s\"", r->env, shown, why,
                 r->def[0] ? r->def : "(none)");
        r->parse(r->def, field, &why);
    }
    if (warn)
        warn(line);
    return 1;
}

int ccx_options_parse(struct ccx_options *o, ccx_getenv_fn get, ccx_warn_fn warn)
{
    int bad = 0;
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        bad += apply_row(o, &rows[i], get, warn);
    return bad;
}

int ccx_options_check(const char *env, ccx_getenv_fn get, ccx_warn_fn warn)
{
    struct ccx_options scratch;
    memset(&scratch, 0, sizeof scratch);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (strcmp(rows[i].env, env) == 0)
            return apply_row(&scratch, &rows[i], get, warn);
    return 0;
}

static struct ccx_options process_opts;

const struct ccx_options *ccx_opts(void)
{
    return &process_opts;
}

int ccx_options_load(ccx_getenv_fn get, ccx_warn_fn warn)
{
    return ccx_options_parse(&process_opts, get, warn);
}

const struct ccx_option_doc *ccx_options_doc(size_t *n)
{
    static struct ccx_option_doc docs[sizeof rows / sizeof rows[0]];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        docs[i].env = rows[i].env;
        docs[i].def = rows[i].def;
        docs[i].doc = rows[i].doc;
    }
    *n = sizeof rows / sizeof rows[0];
    return docs;
}

/* opts.c - parsing ccx-driver's options (see opts.h); the option list here
 * and the usage text below are the same list docs/driver.md documents. */
#include "opts.h"

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccx_signal.h"
#include "ccx_units.h"

#define NS_PER_S 1000000000ull

void drv_opts_defaults(struct drv_opts *o)
{
    memset(o, 0, sizeof *o);
    o->url = DRV_DEFAULT_URL;
    o->content_type = DRV_DEFAULT_CONTENT_TYPE;
    o->org_id = "000001";
    o->account = "0000001";
    o->concurrency = 1;
    o->delay_ns = NS_PER_S / 10; /* the seed's 0.1 s */
    o->timeout_ns = 30 * NS_PER_S;
    o->retries = 3;
    o->mode = DRV_MODE_CONTINUOUS;
    o->bursts = 3;               /* the seed's 3 x [15 min + 5 min] */
    o->burst_ns = 15 * 60 * NS_PER_S;
    o->break_ns = 5 * 60 * NS_PER_S;
    o->settle_ns = 2 * NS_PER_S;
    o->snapshot_timeout_ns = 30 * NS_PER_S;
    o->signal = SIGUSR2;         /* the tracer's default CCXTRACE_SIGNAL */
    o->pool = 16;
    o->archive_size = 100 * 1024;
    o->progress_ns = 10 * NS_PER_S;
    o->idle.received = "ccx_consumer_received_total";
    o->idle.finished[0] = "ccx_published_total";
    o->idle.finished[1] = "ccx_failures_total";
    o->idle.nfinished = 2;
    o->idle.timeout_ns = 5 * 60 * NS_PER_S;
}

/* A metric name: [a-zA-Z_:][a-zA-Z0-9_:]*. */
static int metric_name_ok(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9'))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == ':'))
            return 0;
    return 1;
}

/* --idle-finished NAME[,NAME...] */
static int parse_finished(const char *a, struct drv_opts *o)
{
    free(o->idle_finished_buf);
    if (!(o->idle_finished_buf = strdup(a)))
        return -1;
    o->idle.nfinished = 0;
    for (char *save = NULL, *t = strtok_r(o->idle_finished_buf, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        if (!metric_name_ok(t) || o->idle.nfinished == DRV_IDLE_MAX_FINISHED)
            return -1;
        o->idle.finished[o->idle.nfinished++] = t;
    }
    return o->idle.nfinished ? 0 : -1;
}

void drv_opts_free(struct drv_opts *o)
{
    free(o->pids);
    o->pids = NULL;
    o->npids = 0;
    free(o->idle_finished_buf);
    o->idle_finished_buf = NULL;
}

void drv_usage(FILE *f)
{
    fputs(
        "usage: ccx-driver upload [options]       send archive uploads to the ingress API\n"
        "       ccx-driver make-archive -o FILE [--archive-size SIZE]\n"
        "                                         write one generated archive\n"
        "\n"
        "upload options (defaults in brackets; docs/driver.md has the details):\n"
        "  --url URL              [" DRV_DEFAULT_URL "]\n"
        "  --archives DIR         send DIR's .tar.gz/.tgz files round-robin [generated]\n"
        "  --pool N               generated archives made before the run [16]\n"
        "  --clusters new|N|keep  cluster id of each upload: a new one, N in turn, or\n"
        "                         each archive's own [new]\n"
        "  --archive-size SIZE    compressed size of each generated archive [100k]\n"
        "  --content-type TYPE    [" DRV_DEFAULT_CONTENT_TYPE "]\n"
        "  --org-id ID            identity org_id [000001]\n"
        "  --account N            identity account_number [0000001]\n"
        "  --identity-json JSON   the whole identity document (base64-encoded for you)\n"
        "  --concurrency N        uploads in flight at once [1]\n"
        "  --delay T              per connection, after each answer [100ms]\n"
        "  --rate R               uploads per second over all connections (10, 10/s, 600/min)\n"
        "  --duration T           continuous mode: how long to send [until Ctrl-C]\n"
        "  --max-uploads N        stop after N uploads [no limit]\n"
        "  --timeout T            per request [30s]\n"
        "  --retries N            on connection errors and 5xx, never on 4xx [3]\n"
        "  --mode continuous|bursts\n"
        "  --bursts N --burst-length T --break-length T   [3, 15m, 5m]\n"
        "  --settle T             wait after the last answer before a snapshot [2s]\n"
        "  --snapshot-every T     continuous mode: a snapshot every T [start and end only]\n"
        "  --trigger-file FILE    snapshot trigger: write a new counter value into FILE\n"
        "  --trigger-signal PID[,PID...]  snapshot trigger: a signal to traced processes\n"
        "  --signal NAME          the signal --trigger-signal sends, as the processes'\n"
        "                         CCXTRACE_SIGNAL names it (USR1, SIGUSR2, 12, RTMIN+3) [USR2]\n"
        "  --trigger-exec CMD     snapshot trigger: run CMD with /bin/sh -c\n"
        "  --snapshot-dir DIR     wait for the new ccxtrace.*.json files there and name them\n"
        "  --snapshot-timeout T   longest wait for them [30s]\n"
        "  --idle-metrics URL     before each break's (and the end's) snapshot, wait until\n"
        "                         the consumers whose Prometheus metrics are at URL are\n"
        "                         idle (repeatable: the counts are summed)\n"
        "  --idle-cmd CMD         ... and until CMD (/bin/sh -c) exits 0\n"
        "  --idle-timeout T       the longest wait for idle; then the snapshot anyway [5m]\n"
        "  --idle-expect-all      idle also needs every upload accepted in the run received\n"
        "  --idle-received NAME   [ccx_consumer_received_total]\n"
        "  --idle-finished NAME[,NAME...]  [ccx_published_total,ccx_failures_total]\n"
        "  --quiet                no progress\n"
        "  --progress-interval T  plain progress lines when not a terminal [10s]\n"
        "  --summary-json FILE    the summary as JSON\n"
        "  --log-csv FILE         one line per request\n"
        "\n"
        "exit status: 0 at least one upload accepted (or none asked), 1 every upload\n"
        "failed, 2 usage or input error.\n",
        f);
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return DRV_EXIT_USAGE;
}

static int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int drv_parse_upload_rate(const char *s, double *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    double n = strtod(s, &end);
    if (errno || end == s || !isfinite(n) || n <= 0 || *s == '-')
        return -1;
    uint64_t per_ns = NS_PER_S;
    if (*end == '/') {
        char unit[64];
        const char *u = end + 1;
        /* "/min" means "/1min": the unit alone is a duration of one. */
        int has_digit = (*u >= '0' && *u <= '9') || *u == '.';
        if (snprintf(unit, sizeof unit, "%s%s", has_digit ? "" : "1", u) >= (int)sizeof unit)
            return -1;
        if (ccx_parse_duration(unit, &per_ns) != CCX_PARSE_OK || per_ns == 0)
            return -1;
    } else if (*end) {
        return -1;
    }
    *out = n * (double)NS_PER_S / (double)per_ns;
    return 0;
}

int drv_parse_pids(const char *s, pid_t **out)
{
    size_t n = 0, cap = 4;
    pid_t *p = malloc(cap * sizeof *p);
    if (!p)
        return -1;
    const char *q = s;
    for (;;) {
        char *end;
        errno = 0;
        if (*q < '0' || *q > '9')
            goto bad;
        long v = strtol(q, &end, 10);
        if (errno || v <= 0 || v > 0x3fffffff)
            goto bad;
        if (n == cap) {
            pid_t *np = realloc(p, 2 * cap * sizeof *p);
            if (!np)
                goto bad;
            p = np;
            cap *= 2;
        }
        p[n++] = (pid_t)v;
        if (*end == '\0')
            break;
        if (*end != ',')
            goto bad;
        q = end + 1;
    }
    *out = p;
    return (int)n;
bad:
    free(p);
    return -1;
}

static int duration(const char *opt, const char *arg, uint64_t *out, char *err, size_t errlen)
{
    int rc = ccx_parse_duration(arg, out);
    if (rc != CCX_PARSE_OK)
        return fail(err, errlen, "%s '%s': %s (a duration such as 500ms, 30s, 15m, 4h)", opt,
                    arg, ccx_parse_strerror(rc));
    return 0;
}

static int size_opt(const char *arg, uint64_t *out, char *err, size_t errlen)
{
    int rc = ccx_parse_size(arg, 0, out);
    if (rc != CCX_PARSE_OK)
        return fail(err, errlen, "--archive-size '%s': %s (a size such as 100k, 1MiB)", arg,
                    ccx_parse_strerror(rc));
    if (*out < 1024 || *out > 1024ull * 1024 * 1024)
        return fail(err, errlen, "--archive-size '%s': must be between 1k and 1GiB", arg);
    return 0;
}

/* --- upload's options: one table, read by one loop ------------------------- */

/* What a row of the table does with its value. */
enum opt_kind {
    K_STR,      /* the value as given, into a const char * field */
    K_NONEMPTY, /* the same, refused when empty */
    K_UINT,     /* a whole number from min to max, into an unsigned or uint64_t field */
    K_DURATION, /* a duration of at least min ns, into a uint64_t field */
    K_FLAG,     /* no value: the int field becomes 1 */
    K_SPECIAL,  /* its own parser */
    K_HELP,     /* no value: the usage on stdout */
};

/* Options that the checks after the loop ask about (check_upload). */
enum {
    SEEN_DELAY = 1 << 0,
    SEEN_DURATION = 1 << 1,
    SEEN_BURST = 1 << 2,    /* --bursts, --burst-length, --break-length */
    SEEN_ORG = 1 << 3,
    SEEN_SIGNAL = 1 << 4,
    SEEN_IDLE = 1 << 5,     /* --idle-timeout, -expect-all, -received, -finished */
};

struct upload_opt {
    const char *name; /* --NAME */
    enum opt_kind kind;
    size_t off, size; /* the field in struct drv_opts (K_STR .. K_FLAG) */
    uint64_t min, max;
    const char *bad;  /* K_UINT: what a value must be; K_DURATION: what one below min is told */
    unsigned seen;    /* SEEN_* */
    int (*parse)(const char *a, struct drv_opts *o, char *err, size_t errlen); /* K_SPECIAL */
};

static int opt_rate(const char *a, struct drv_opts *o, char *err, size_t errlen)
{
    if (drv_parse_upload_rate(a, &o->rate))
        return fail(err, errlen, "--rate '%s': uploads per second, e.g. 10, 10/s, 600/min", a);
    return 0;
}

static int opt_mode(const char *a, struct drv_opts *o, char *err, size_t errlen)
{
    if (strcmp(a, "continuous") == 0)
        o->mode = DRV_MODE_CONTINUOUS;
    else if (strcmp(a, "bursts") == 0)
        o->mode = DRV_MODE_BURSTS;
    else
        return fail(err, errlen, "--mode '%s': continuous or bursts", a);
    return 0;
}

static int opt_trigger_signal(const char *a, struct drv_opts *o, char *err, size_t errlen)
{
    free(o->pids);
    o->pids = NULL;
    int n = drv_parse_pids(a, &o->pids);
    if (n <= 0)
        return fail(err, errlen, "--trigger-signal '%s': process ids separated by commas", a);
    o->npids = (size_t)n;
    return 0;
}

static int opt_signal(const char *a, struct drv_opts *o, char *err, size_t errlen)
{
    /* "none" is refused: without --trigger-signal nothing is sent. */
    if (ccx_signal_parse(a, 0, &o->signal) != CCX_SIGNAL_OK)
        return fail(err, errlen,
                    "--signal '%s': not a signal the tracer can take snapshots on "
                    "(" CCX_SIGNAL_ALLOWED_TEXT ", e.g. USR2, SIGUSR1, 12, RTMIN+3)",
                    a);
    return 0;
}

static int opt_clusters(const char *a, struct drv_opts *o, char *err, size_t errlen)
{
    uint64_t v;
    o->keep_ids = strcmp(a, "keep") == 0;
    o->clusters = 0;
    if (!o->keep_ids && strcmp(a, "new") != 0) {
        if (parse_uint(a, 1, 10000000, &v))
            return fail(err, errlen, "--clusters '%s': new, keep or a whole number from 1 to 10000000", a);
        o->clusters = (unsigned)v;
    }
    return 0;
}

static int opt_idle_metrics(const char *a, struct drv_opts *o, char *err, size_t errlen)
{
    if (strncmp(a, "http://", 7) != 0 && strncmp(a, "https://", 8) != 0)
        return fail(err, errlen, "--idle-metrics '%s': not an http:// or https:// URL", a);
    if (o->idle.nurls == DRV_IDLE_MAX_URLS)
        return fail(err, errlen, "--idle-metrics: at most %d URLs", DRV_IDLE_MAX_URLS);
    o->idle.urls[o->idle.nurls++] = a;
    return 0;
}

static int opt_idle_received(const char *a, struct drv_opts *o, char *err, size_t errlen)
{
    if (!metric_name_ok(a))
        return fail(err, errlen, "--idle-received '%s': not a metric name", a);
    o->idle.received = a;
    return 0;
}

static int opt_idle_finished(const char *a, struct drv_opts *o, char *err, size_t errlen)
{
    if (parse_finished(a, o))
        return fail(err, errlen, "--idle-finished '%s': metric names separated by commas (at most %d)", a,
                    DRV_IDLE_MAX_FINISHED);
    return 0;
}

static int opt_archive_size(const char *a, struct drv_opts *o, char *err, size_t errlen)
{
    return size_opt(a, &o->archive_size, err, errlen);
}

/* A field of struct drv_opts: where it is and how big. */
#define FIELD(f) offsetof(struct drv_opts, f), sizeof(((struct drv_opts *)0)->f)
#define STR(name, f) {name, K_STR, FIELD(f), 0, 0, NULL, 0, NULL}
#define UINT(name, f, lo, hi, bad) {name, K_UINT, FIELD(f), lo, hi, bad, 0, NULL}
#define DURATION(name, f, lo, bad, seen) {name, K_DURATION, FIELD(f), lo, 0, bad, seen, NULL}
#define SPECIAL(name, fn, seen) {name, K_SPECIAL, 0, 0, 0, 0, NULL, seen, fn}

/* Every upload option (drv_usage shows them to users, docs/driver.md
 * documents the same list).  getopt_long matches a name or a unique
 * prefix of one, so the order of the rows changes nothing. */
static const struct upload_opt upload_opts[] = {
    STR("url", url),
    STR("archives", archives_dir),
    {"content-type", K_NONEMPTY, FIELD(content_type), 0, 0, NULL, 0, NULL},
    {"org-id", K_NONEMPTY, FIELD(org_id), 0, 0, NULL, SEEN_ORG, NULL},
    STR("account", account),
    STR("identity-json", identity_json),
    UINT("concurrency", concurrency, 1, 1024, "a whole number from 1 to 1024"),
    DURATION("delay", delay_ns, 0, NULL, SEEN_DELAY),
    SPECIAL("rate", opt_rate, 0),
    DURATION("duration", duration_ns, 1, "must be more than 0", SEEN_DURATION),
    UINT("max-uploads", max_uploads, 1, UINT64_MAX, "a whole number >= 1"),
    DURATION("timeout", timeout_ns, 1000000, "must be at least 1ms", 0),
    UINT("retries", retries, 0, 100, "a whole number from 0 to 100"),
    SPECIAL("mode", opt_mode, 0),
    {"bursts", K_UINT, FIELD(bursts), 1, 100000, "a whole number >= 1", SEEN_BURST, NULL},
    DURATION("burst-length", burst_ns, 1, "must be more than 0", SEEN_BURST),
    DURATION("break-length", break_ns, 0, NULL, SEEN_BURST),
    DURATION("settle", settle_ns, 0, NULL, 0),
    DURATION("snapshot-every", snapshot_every_ns, 1000000, "must be at least 1ms", 0),
    STR("trigger-file", trigger_file),
    SPECIAL("trigger-signal", opt_trigger_signal, 0),
    SPECIAL("signal", opt_signal, SEEN_SIGNAL),
    STR("trigger-exec", trigger_exec),
    STR("snapshot-dir", snapshot_dir),
    DURATION("snapshot-timeout", snapshot_timeout_ns, 0, NULL, 0),
    UINT("pool", pool, 1, 100000, "a whole number from 1 to 100000"),
    SPECIAL("clusters", opt_clusters, 0),
    SPECIAL("idle-metrics", opt_idle_metrics, 0),
    STR("idle-cmd", idle.cmd),
    DURATION("idle-timeout", idle.timeout_ns, 0, NULL, SEEN_IDLE),
    {"idle-expect-all", K_FLAG, FIELD(idle.expect_all), 0, 0, NULL, SEEN_IDLE, NULL},
    SPECIAL("idle-received", opt_idle_received, SEEN_IDLE),
    SPECIAL("idle-finished", opt_idle_finished, SEEN_IDLE),
    SPECIAL("archive-size", opt_archive_size, 0),
    {"quiet", K_FLAG, FIELD(quiet), 0, 0, NULL, 0, NULL},
    DURATION("progress-interval", progress_ns, 10000000, "must be at least 10ms", 0),
    STR("summary-json", summary_json),
    STR("log-csv", log_csv),
    {"help", K_HELP, 0, 0, 0, 0, NULL, 0, NULL},
};
#undef FIELD
#undef STR
#undef UINT
#undef DURATION
#undef SPECIAL

#define N_UPLOAD_OPTS (sizeof upload_opts / sizeof upload_opts[0])
/* getopt_long's val of row i is OPT_BASE + i: above every short option. */
#define OPT_BASE 256

static const struct upload_opt *find_opt(const char *name)
{
    for (size_t i = 0; i < N_UPLOAD_OPTS; i++)
        if (strcmp(upload_opts[i].name, name) == 0)
            return &upload_opts[i];
    return NULL;
}

/* Stores v into an unsigned or uint64_t field. */
static void set_uint(struct drv_opts *o, const struct upload_opt *row, uint64_t v)
{
    char *field = (char *)o + row->off;
    if (row->size == sizeof(unsigned)) {
        unsigned u = (unsigned)v;
        memcpy(field, &u, sizeof u);
    } else {
        assert(row->size == sizeof(uint64_t));
        memcpy(field, &v, sizeof v);
    }
}

/* Applies one option's value a (NULL when it takes none): 0, 1 after
 * --help, or DRV_EXIT_USAGE with the reason in err. */
static int apply(const struct upload_opt *row, const char *a, struct drv_opts *o, char *err, size_t errlen)
{
    char *field = (char *)o + row->off;
    char opt[32];
    uint64_t v;
    int rc;
    snprintf(opt, sizeof opt, "--%s", row->name);
    switch (row->kind) {
    case K_NONEMPTY:
        if (!*a)
            return fail(err, errlen, "%s: empty", opt);
        /* fall through */
    case K_STR:
        assert(row->size == sizeof a);
        memcpy(field, &a, sizeof a);
        return 0;
    case K_UINT:
        if (parse_uint(a, row->min, row->max, &v))
            return fail(err, errlen, "%s '%s': %s", opt, a, row->bad);
        set_uint(o, row, v);
        return 0;
    case K_DURATION:
        assert(row->size == sizeof v);
        rc = duration(opt, a, &v, err, errlen);
        if (rc)
            return rc;
        memcpy(field, &v, sizeof v);
        if (v < row->min)
            return fail(err, errlen, "%s '%s': %s", opt, a, row->bad);
        return 0;
    case K_FLAG:
        assert(row->size == sizeof(int));
        memcpy(field, &(int){1}, sizeof(int));
        return 0;
    case K_SPECIAL:
        return row->parse(a, o, err, errlen);
    case K_HELP:
        drv_usage(stdout);
        return 1;
    }
    assert(!"an upload option of no kind");
    return DRV_EXIT_USAGE;
}

/* What getopt_long returned that is no row of the table. */
static int not_an_option(int c, char **argv, char *err, size_t errlen)
{
    if (c == ':')
        return fail(err, errlen, "%s needs a value", argv[optind - 1]);
    if (optopt && optopt < OPT_BASE)
        return fail(err, errlen, "unknown option '-%c'", optopt);
    if (optopt >= OPT_BASE)
        return fail(err, errlen, "%s needs a value", argv[optind - 1]);
    return fail(err, errlen, "unknown option '%s'", argv[optind - 1]);
}

/* The options that exclude or need each other, once all are read. */
static int check_upload(const struct drv_opts *o, unsigned seen, char *err, size_t errlen)
{
    if ((seen & SEEN_DELAY) && o->rate > 0)
        return fail(err, errlen, "--delay and --rate exclude each other");
    if (o->mode == DRV_MODE_BURSTS && (seen & SEEN_DURATION))
        return fail(err, errlen, "--duration is for --mode continuous; bursts use --burst-length");
    if (o->mode == DRV_MODE_BURSTS && o->snapshot_every_ns)
        return fail(err, errlen, "--snapshot-every is for --mode continuous; bursts snapshot in each break");
    if (o->mode == DRV_MODE_CONTINUOUS && (seen & SEEN_BURST))
        return fail(err, errlen, "--bursts/--burst-length/--break-length need --mode bursts");
    if ((seen & SEEN_SIGNAL) && !o->npids)
        return fail(err, errlen, "--signal is for --trigger-signal; without it no signal is sent");
    if ((seen & SEEN_IDLE) && !drv_idle_enabled(&o->idle))
        return fail(err, errlen, "--idle-timeout/--idle-expect-all/--idle-received/--idle-finished "
                                 "need --idle-metrics or --idle-cmd");
    if (o->idle.expect_all && !o->idle.nurls)
        return fail(err, errlen, "--idle-expect-all needs --idle-metrics (the received count)");
    if (o->identity_json && (seen & SEEN_ORG))
        return fail(err, errlen, "--identity-json and --org-id exclude each other");
    return 0;
}

int drv_parse_upload(int argc, char **argv, struct drv_opts *o, char *err, size_t errlen)
{
    static_assert(N_UPLOAD_OPTS < 256, "getopt vals OPT_BASE + i stay clear of other codes");
    struct option longs[N_UPLOAD_OPTS + 1];
    for (size_t i = 0; i < N_UPLOAD_OPTS; i++) {
        enum opt_kind k = upload_opts[i].kind;
        longs[i] = (struct option){upload_opts[i].name, k == K_FLAG || k == K_HELP ? no_argument : required_argument,
                                   NULL, OPT_BASE + (int)i};
    }
    longs[N_UPLOAD_OPTS] = (struct option){0, 0, 0, 0};
    unsigned seen = 0;
    int c;
    optind = 0; /* full reset: the parser may run more than once (tests) */
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+hq", longs, NULL)) != -1) {
        const struct upload_opt *row = c == 'h' ? find_opt("help")
                                     : c == 'q' ? find_opt("quiet")
                                     : c >= OPT_BASE && c < OPT_BASE + (int)N_UPLOAD_OPTS ? &upload_opts[c - OPT_BASE]
                                     : NULL;
        if (!row)
            return not_an_option(c, argv, err, errlen);
        int rc = apply(row, optarg, o, err, errlen);
        if (rc)
            return rc;
        seen |= row->seen;
    }
    if (optind < argc)
        return fail(err, errlen, "unexpected argument '%s'", argv[optind]);
    return check_upload(o, seen, err, errlen);
}

/* make-archive's options: -o FILE, --archive-size, --help. */
enum { MAKE_ARCHIVE_SIZE = OPT_BASE };
static const struct option make_long[] = {
    {"output", required_argument, 0, 'o'},
    {"archive-size", required_argument, 0, MAKE_ARCHIVE_SIZE},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

int drv_parse_make_archive(int argc, char **argv, struct drv_opts *o, char *err, size_t errlen)
{
    int c, rc;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+ho:", make_long, NULL)) != -1) {
        switch (c) {
        case 'o': o->output = optarg; break;
        case MAKE_ARCHIVE_SIZE:
            if ((rc = size_opt(optarg, &o->archive_size, err, errlen)))
                return rc;
            break;
        case 'h': drv_usage(stdout); return 1;
        default:
            if (optopt == 'o' || optopt == MAKE_ARCHIVE_SIZE)
                return fail(err, errlen, "%s needs a value", argv[optind - 1]);
            return fail(err, errlen, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return fail(err, errlen, "unexpected argument '%s'", argv[optind]);
    if (!o->output)
        return fail(err, errlen, "make-archive needs -o FILE");
    return 0;
}

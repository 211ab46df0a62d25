/* opts.c - parsing ccx-driver's options (see opts.h); the option list here
 * and the usage text below are the same list docs/driver.md documents. */
#include "opts.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
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

enum {
    O_URL = 256, O_ARCHIVES, O_CTYPE, O_ORG, O_ACCOUNT, O_IDJSON, O_CONC, O_DELAY, O_RATE,
    O_DURATION, O_MAXUP, O_TIMEOUT, O_RETRIES, O_MODE, O_BURSTS, O_BURSTLEN, O_BREAKLEN,
    O_SETTLE, O_SNAPEVERY, O_TFILE, O_TSIG, O_TEXEC, O_SNAPDIR, O_SNAPTIMEOUT, O_POOL,
    O_ASIZE, O_QUIET, O_PROGRESS, O_SUMJSON, O_LOGCSV, O_SIGNAL, O_CLUSTERS, O_IDLE_METRICS,
    O_IDLE_CMD, O_IDLE_TIMEOUT, O_IDLE_ALL, O_IDLE_RECEIVED, O_IDLE_FINISHED, O_HELP
};

static const struct option upload_long[] = {
    {"url", required_argument, 0, O_URL},
    {"archives", required_argument, 0, O_ARCHIVES},
    {"content-type", required_argument, 0, O_CTYPE},
    {"org-id", required_argument, 0, O_ORG},
    {"account", required_argument, 0, O_ACCOUNT},
    {"identity-json", required_argument, 0, O_IDJSON},
    {"concurrency", required_argument, 0, O_CONC},
    {"delay", required_argument, 0, O_DELAY},
    {"rate", required_argument, 0, O_RATE},
    {"duration", required_argument, 0, O_DURATION},
    {"max-uploads", required_argument, 0, O_MAXUP},
    {"timeout", required_argument, 0, O_TIMEOUT},
    {"retries", required_argument, 0, O_RETRIES},
    {"mode", required_argument, 0, O_MODE},
    {"bursts", required_argument, 0, O_BURSTS},
    {"burst-length", required_argument, 0, O_BURSTLEN},
    {"break-length", required_argument, 0, O_BREAKLEN},
    {"settle", required_argument, 0, O_SETTLE},
    {"snapshot-every", required_argument, 0, O_SNAPEVERY},
    {"trigger-file", required_argument, 0, O_TFILE},
    {"trigger-signal", required_argument, 0, O_TSIG},
    {"signal", required_argument, 0, O_SIGNAL},
    {"trigger-exec", required_argument, 0, O_TEXEC},
    {"snapshot-dir", required_argument, 0, O_SNAPDIR},
    {"snapshot-timeout", required_argument, 0, O_SNAPTIMEOUT},
    {"pool", required_argument, 0, O_POOL},
    {"clusters", required_argument, 0, O_CLUSTERS},
    {"idle-metrics", required_argument, 0, O_IDLE_METRICS},
    {"idle-cmd", required_argument, 0, O_IDLE_CMD},
    {"idle-timeout", required_argument, 0, O_IDLE_TIMEOUT},
    {"idle-expect-all", no_argument, 0, O_IDLE_ALL},
    {"idle-received", required_argument, 0, O_IDLE_RECEIVED},
    {"idle-finished", required_argument, 0, O_IDLE_FINISHED},
    {"archive-size", required_argument, 0, O_ASIZE},
    {"quiet", no_argument, 0, O_QUIET},
    {"progress-interval", required_argument, 0, O_PROGRESS},
    {"summary-json", required_argument, 0, O_SUMJSON},
    {"log-csv", required_argument, 0, O_LOGCSV},
    {"help", no_argument, 0, O_HELP},
    {0, 0, 0, 0},
};

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

int drv_parse_upload(int argc, char **argv, struct drv_opts *o, char *err, size_t errlen)
{
    int c, have_delay = 0, have_duration = 0, have_burst_opt = 0, have_org = 0, have_signal = 0;
    int have_idle_opt = 0;
    uint64_t v;
    optind = 0; /* full reset: the parser may run more than once (tests) */
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+hq", upload_long, NULL)) != -1) {
        const char *a = optarg;
        int rc = 0;
        switch (c) {
        case O_URL: o->url = a; break;
        case O_ARCHIVES: o->archives_dir = a; break;
        case O_CTYPE:
            if (!*a)
                return fail(err, errlen, "--content-type: empty");
            o->content_type = a;
            break;
        case O_ORG:
            if (!*a)
                return fail(err, errlen, "--org-id: empty");
            o->org_id = a;
            have_org = 1;
            break;
        case O_ACCOUNT: o->account = a; break;
        case O_IDJSON: o->identity_json = a; break;
        case O_CONC:
            if (parse_uint(a, 1, 1024, &v))
                return fail(err, errlen, "--concurrency '%s': a whole number from 1 to 1024", a);
            o->concurrency = (unsigned)v;
            break;
        case O_DELAY: rc = duration("--delay", a, &o->delay_ns, err, errlen); have_delay = 1; break;
        case O_RATE:
            if (drv_parse_upload_rate(a, &o->rate))
                return fail(err, errlen, "--rate '%s': uploads per second, e.g. 10, 10/s, 600/min", a);
            break;
        case O_DURATION:
            rc = duration("--duration", a, &o->duration_ns, err, errlen);
            have_duration = 1;
            if (!rc && o->duration_ns == 0)
                return fail(err, errlen, "--duration '%s': must be more than 0", a);
            break;
        case O_MAXUP:
            if (parse_uint(a, 1, UINT64_MAX, &o->max_uploads))
                return fail(err, errlen, "--max-uploads '%s': a whole number >= 1", a);
            break;
        case O_TIMEOUT:
            rc = duration("--timeout", a, &o->timeout_ns, err, errlen);
            if (!rc && o->timeout_ns < 1000000)
                return fail(err, errlen, "--timeout '%s': must be at least 1ms", a);
            break;
        case O_RETRIES:
            if (parse_uint(a, 0, 100, &v))
                return fail(err, errlen, "--retries '%s': a whole number from 0 to 100", a);
            o->retries = (unsigned)v;
            break;
        case O_MODE:
            if (strcmp(a, "continuous") == 0)
                o->mode = DRV_MODE_CONTINUOUS;
            else if (strcmp(a, "bursts") == 0)
                o->mode = DRV_MODE_BURSTS;
            else
                return fail(err, errlen, "--mode '%s': continuous or bursts", a);
            break;
        case O_BURSTS:
            if (parse_uint(a, 1, 100000, &v))
                return fail(err, errlen, "--bursts '%s': a whole number >= 1", a);
            o->bursts = (unsigned)v;
            have_burst_opt = 1;
            break;
        case O_BURSTLEN:
            rc = duration("--burst-length", a, &o->burst_ns, err, errlen);
            have_burst_opt = 1;
            if (!rc && o->burst_ns == 0)
                return fail(err, errlen, "--burst-length '%s': must be more than 0", a);
            break;
        case O_BREAKLEN: rc = duration("--break-length", a, &o->break_ns, err, errlen); have_burst_opt = 1; break;
        case O_SETTLE: rc = duration("--settle", a, &o->settle_ns, err, errlen); break;
        case O_SNAPEVERY:
            rc = duration("--snapshot-every", a, &o->snapshot_every_ns, err, errlen);
            if (!rc && o->snapshot_every_ns < 1000000)
                return fail(err, errlen, "--snapshot-every '%s': must be at least 1ms", a);
            break;
        case O_TFILE: o->trigger_file = a; break;
        case O_TSIG: {
            free(o->pids);
            o->pids = NULL;
            int n = drv_parse_pids(a, &o->pids);
            if (n <= 0)
                return fail(err, errlen, "--trigger-signal '%s': process ids separated by commas", a);
            o->npids = (size_t)n;
            break;
        }
        case O_SIGNAL:
            /* "none" is refused: without --trigger-signal nothing is sent. */
            if (ccx_signal_parse(a, 0, &o->signal) != CCX_SIGNAL_OK)
                return fail(err, errlen,
                            "--signal '%s': not a signal the tracer can take snapshots on "
                            "(" CCX_SIGNAL_ALLOWED_TEXT ", e.g. USR2, SIGUSR1, 12, RTMIN+3)",
                            a);
            have_signal = 1;
            break;
        case O_TEXEC: o->trigger_exec = a; break;
        case O_SNAPDIR: o->snapshot_dir = a; break;
        case O_SNAPTIMEOUT: rc = duration("--snapshot-timeout", a, &o->snapshot_timeout_ns, err, errlen); break;
        case O_POOL:
            if (parse_uint(a, 1, 100000, &v))
                return fail(err, errlen, "--pool '%s': a whole number from 1 to 100000", a);
            o->pool = (unsigned)v;
            break;
        case O_CLUSTERS:
            o->keep_ids = strcmp(a, "keep") == 0;
            o->clusters = 0;
            if (!o->keep_ids && strcmp(a, "new") != 0) {
                if (parse_uint(a, 1, 10000000, &v))
                    return fail(err, errlen, "--clusters '%s': new, keep or a whole number from 1 to 10000000", a);
                o->clusters = (unsigned)v;
            }
            break;
        case O_IDLE_METRICS:
            if (strncmp(a, "http://", 7) != 0 && strncmp(a, "https://", 8) != 0)
                return fail(err, errlen, "--idle-metrics '%s': not an http:// or https:// URL", a);
            if (o->idle.nurls == DRV_IDLE_MAX_URLS)
                return fail(err, errlen, "--idle-metrics: at most %d URLs", DRV_IDLE_MAX_URLS);
            o->idle.urls[o->idle.nurls++] = a;
            break;
        case O_IDLE_CMD: o->idle.cmd = a; break;
        case O_IDLE_TIMEOUT:
            rc = duration("--idle-timeout", a, &o->idle.timeout_ns, err, errlen);
            have_idle_opt = 1;
            break;
        case O_IDLE_ALL: o->idle.expect_all = 1; have_idle_opt = 1; break;
        case O_IDLE_RECEIVED:
            if (!metric_name_ok(a))
                return fail(err, errlen, "--idle-received '%s': not a metric name", a);
            o->idle.received = a;
            have_idle_opt = 1;
            break;
        case O_IDLE_FINISHED:
            if (parse_finished(a, o))
                return fail(err, errlen, "--idle-finished '%s': metric names separated by commas (at most %d)",
                            a, DRV_IDLE_MAX_FINISHED);
            have_idle_opt = 1;
            break;
        case O_ASIZE: rc = size_opt(a, &o->archive_size, err, errlen); break;
        case 'q':
        case O_QUIET: o->quiet = 1; break;
        case O_PROGRESS:
            rc = duration("--progress-interval", a, &o->progress_ns, err, errlen);
            if (!rc && o->progress_ns < 10000000)
                return fail(err, errlen, "--progress-interval '%s': must be at least 10ms", a);
            break;
        case O_SUMJSON: o->summary_json = a; break;
        case O_LOGCSV: o->log_csv = a; break;
        case 'h':
        case O_HELP: drv_usage(stdout); return 1;
        case ':': return fail(err, errlen, "%s needs a value", argv[optind - 1]);
        default:
            if (optopt && optopt < 256)
                return fail(err, errlen, "unknown option '-%c'", optopt);
            if (optopt >= O_URL)
                return fail(err, errlen, "%s needs a value", argv[optind - 1]);
            return fail(err, errlen, "unknown option '%s'", argv[optind - 1]);
        }
        if (rc)
            return rc;
    }
    if (optind < argc)
        return fail(err, errlen, "unexpected argument '%s'", argv[optind]);
    if (have_delay && o->rate > 0)
        return fail(err, errlen, "--delay and --rate exclude each other");
    if (o->mode == DRV_MODE_BURSTS && have_duration)
        return fail(err, errlen, "--duration is for --mode continuous; bursts use --burst-length");
    if (o->mode == DRV_MODE_BURSTS && o->snapshot_every_ns)
        return fail(err, errlen, "--snapshot-every is for --mode continuous; bursts snapshot in each break");
    if (o->mode == DRV_MODE_CONTINUOUS && have_burst_opt)
        return fail(err, errlen, "--bursts/--burst-length/--break-length need --mode bursts");
    if (have_signal && !o->npids)
        return fail(err, errlen, "--signal is for --trigger-signal; without it no signal is sent");
    if (have_idle_opt && !drv_idle_enabled(&o->idle))
        return fail(err, errlen, "--idle-timeout/--idle-expect-all/--idle-received/--idle-finished "
                                 "need --idle-metrics or --idle-cmd");
    if (o->idle.expect_all && !o->idle.nurls)
        return fail(err, errlen, "--idle-expect-all needs --idle-metrics (the received count)");
    if (o->identity_json && have_org)
        return fail(err, errlen, "--identity-json and --org-id exclude each other");
    return 0;
}

static const struct option make_long[] = {
    {"output", required_argument, 0, 'o'},
    {"archive-size", required_argument, 0, O_ASIZE},
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
        case O_ASIZE:
            if ((rc = size_opt(optarg, &o->archive_size, err, errlen)))
                return rc;
            break;
        case 'h': drv_usage(stdout); return 1;
        default:
            if (optopt == 'o' || optopt == O_ASIZE)
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

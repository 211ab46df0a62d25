/* main.c - ccx-analyze's command line: subcommand, options, exit status.
 *
 * Exit status: 0 success, 1 a --fail-above threshold was exceeded, 2 usage
 * error or unreadable input (one line naming the file and the problem).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ccx_format.h"
#include "ccx_units.h"
#include "cmd.h"

static const char usage[] =
    "usage: ccx-analyze COMMAND [options] INPUT...\n"
    "\n"
    "  top    SNAP        [-n N] [--by stack|function|line|file|module|type]\n"
    "  diff   OLD NEW     [-n N] [--by ...] [--min-bytes B] [--fail-above SIZE]\n"
    "  trend  SNAP...     [-n N] [--by ...] [--min-bytes B] [--fail-above RATE]  (3 or more)\n"
    "                     [--group-by process|host|cmd] [--cmd TEXT]  (several processes: the fleet)\n"
    "  compare BEFORE... -- AFTER...  [-n N] [--by ...] [--min-bytes B] [--fail-above RATE]\n"
    "                     [--cmd TEXT]  per-site rates of two runs and their difference\n"
    "  report SNAP...     [-n N] [-o FILE] [--format markdown|html] [--group-by ...] [--cmd TEXT]\n"
    "  plot   CSV|DIR|SNAP...  [-o FILE.svg] [--format svg|text|json] [--align wall|start]\n"
    "\n"
    "  --format text|json|markdown|folded|html|svg|pprof   output format (default text;\n"
    "                     report: markdown; plot: svg; pprof: top, diff, trend, binary:\n"
    "                     -o FILE or a redirected stdout)\n"
    "  -o FILE            write to FILE (atomically) instead of stdout\n"
    "  A directory stands for the ccxtrace.*.json snapshots in it.\n"
    "  Sizes are binary (64k, 10MB = 10 MiB), rates SIZE/UNIT (2MB/h).\n"
    "  Exit status: 0 ok, 1 --fail-above exceeded, 2 usage or input error.\n"
    "  Documentation: docs/analyzer.md\n";

typedef int (*ccx_cmd_fn)(const struct ccx_opts *, struct ccx_out *);

static ccx_cmd_fn command_of(const char *cmd, enum ccx_fmt *deffmt)
{
    *deffmt = CCX_FMT_TEXT;
    if (!strcmp(cmd, "top"))
        return ccx_cmd_top;
    if (!strcmp(cmd, "diff"))
        return ccx_cmd_diff;
    if (!strcmp(cmd, "trend"))
        return ccx_cmd_trend;
    if (!strcmp(cmd, "compare"))
        return ccx_cmd_compare;
    if (!strcmp(cmd, "report")) {
        *deffmt = CCX_FMT_MARKDOWN;
        return ccx_cmd_report;
    }
    if (!strcmp(cmd, "plot")) {
        *deffmt = CCX_FMT_SVG;
        return ccx_cmd_plot;
    }
    return NULL;
}

/* CMD is one of the NULL-terminated names. */
static int one_of(const char *cmd, const char *const *names)
{
    for (; *names; names++)
        if (!strcmp(cmd, *names))
            return 1;
    return 0;
}

static int opt_fail_above(const char *cmd, const char *arg, struct ccx_opts *op)
{
    int rc;
    uint64_t v;
    if (!strcmp(cmd, "trend") || !strcmp(cmd, "compare")) {
        if ((rc = ccx_parse_rate(arg, &op->fail_rate)) != CCX_PARSE_OK) {
            ccx_err("--fail-above \"%s\": %s (a rate such as 2MB/h)", arg, ccx_parse_strerror(rc));
            return 2;
        }
    } else if (!strcmp(cmd, "diff")) {
        if ((rc = ccx_parse_size(arg, 0, &v)) != CCX_PARSE_OK) {
            ccx_err("--fail-above \"%s\": %s (a size such as 10MB)", arg, ccx_parse_strerror(rc));
            return 2;
        }
        op->fail_size = (double)v;
    } else {
        ccx_err("--fail-above is for diff, trend and compare");
        return 2;
    }
    op->fail_set = 1;
    return 0;
}

/* One option with its argument ARG; 0, or 2 after printing the error. */
static int take_opt(int c, const char *cmd, const char *arg, struct ccx_opts *op)
{
    static const char *const fleet_cmds[] = {"trend", "diff", "report", NULL};
    static const char *const cmd_cmds[] = {"trend", "diff", "compare", "report", NULL};
    int rc;
    uint64_t v;
    char *end;
    switch (c) {
    case 'n':
        op->n = strtol(arg, &end, 10);
        if (*end || end == arg || op->n < 0) {
            ccx_err("-n \"%s\": not a count (0 shows everything)", arg);
            return 2;
        }
        return 0;
    case 'f':
        if (ccx_fmt_parse(arg, &op->fmt) < 0) {
            ccx_err("--format \"%s\": one of text, json, markdown, folded, html, svg, pprof", arg);
            return 2;
        }
        op->fmt_set = 1;
        return 0;
    case 'b':
        if (ccx_by_parse(arg, &op->by) < 0) {
            ccx_err("--by \"%s\": one of stack, function, line, file, module, type", arg);
            return 2;
        }
        return 0;
    case 'm':
        if ((rc = ccx_parse_size(arg, 0, &v)) != CCX_PARSE_OK) {
            ccx_err("--min-bytes \"%s\": %s", arg, ccx_parse_strerror(rc));
            return 2;
        }
        op->min_bytes = (double)v;
        op->min_set = 1;
        return 0;
    case 'F':
        return opt_fail_above(cmd, arg, op);
    case 'o':
        op->outfile = arg;
        return 0;
    case 'G':
        if (ccx_group_by_parse(arg, &op->group_by) < 0) {
            ccx_err("--group-by \"%s\": one of process, host, cmd", arg);
            return 2;
        }
        if (!one_of(cmd, fleet_cmds)) {
            ccx_err("--group-by is for trend, diff and report");
            return 2;
        }
        return 0;
    case 'C':
        if (!*arg) {
            ccx_err("--cmd: give the text a command line must contain");
            return 2;
        }
        if (!one_of(cmd, cmd_cmds)) {
            ccx_err("--cmd is for trend, diff, compare and report");
            return 2;
        }
        op->cmd = arg;
        return 0;
    case 'A':
        if (strcmp(arg, "start") && strcmp(arg, "wall")) {
            ccx_err("--align \"%s\": one of wall (the default: wall-clock time), start (each run from its own start)", arg);
            return 2;
        }
        if (strcmp(cmd, "plot")) {
            ccx_err("--align is for plot");
            return 2;
        }
        op->align_start = !strcmp(arg, "start");
        return 0;
    default:
        fputs(usage, stderr);
        return 2;
    }
}

/* Takes the first "--" out of argv (compare and diff: it separates BEFORE
 * from AFTER); returns the index the AFTER inputs start at (argc: none). */
static int split_args(int *argc, char **argv, struct ccx_opts *op)
{
    for (int i = 2; i < *argc; i++)
        if (!strcmp(argv[i], "--")) {
            memmove(argv + i, argv + i + 1, (size_t)(*argc - i - 1) * sizeof *argv);
            (*argc)--;
            op->split = 1;
            return i;
        }
    return *argc;
}

/* Runs FN and writes its output; the exit status. */
static int run(ccx_cmd_fn fn, const struct ccx_opts *op)
{
    if (op->fmt == CCX_FMT_PPROF && op->by != CCX_BY_STACK) {
        ccx_err("--format pprof is one sample per stack: leave --by at stack (pprof groups by itself: -functions, -lines, -files)");
        return 2;
    }
    if (op->fmt == CCX_FMT_PPROF && !op->outfile && isatty(STDOUT_FILENO)) {
        ccx_err("--format pprof writes a gzip-compressed binary profile: give -o FILE.pb.gz or redirect stdout");
        return 2;
    }
    struct ccx_out o;
    if (ccx_out_open(&o, op->fmt, op->outfile) < 0) {
        ccx_err("out of memory");
        return 2;
    }
    int rc = fn(op, &o);
    if (rc == 2) {
        ccx_out_discard(&o);
        return 2;
    }
    if (ccx_out_commit(&o, op->outfile) < 0) {
        ccx_err("%s: cannot write: %m", op->outfile ? op->outfile : "stdout");
        return 2;
    }
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("ccx-analyze (reads %s version %d)\n", CCX_FORMAT_NAME, CCX_FORMAT_VERSION);
        return 0;
    }
    struct ccx_opts op = {0};
    ccx_cmd_fn fn = command_of(cmd, &op.fmt);
    if (!fn) {
        ccx_err("unknown command \"%s\" (top, diff, trend, compare, report, plot; --help)", cmd);
        return 2;
    }
    op.by = CCX_BY_STACK;
    op.n = 20;
    op.min_bytes = CCX_MIN_GROWTH_DEFAULT;
    static const struct option longopts[] = {
        {"format", required_argument, 0, 'f'}, {"by", required_argument, 0, 'b'},
        {"min-bytes", required_argument, 0, 'm'}, {"fail-above", required_argument, 0, 'F'},
        {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'},
        {"group-by", required_argument, 0, 'G'}, {"cmd", required_argument, 0, 'C'},
        {"align", required_argument, 0, 'A'}, {0, 0, 0, 0}};
    int split_at = split_args(&argc, argv, &op);
    char *in[argc], *in2[argc];
    op.inputs = in;
    op.inputs2 = in2;
    int c;
    optind = 2;
    /* "-": inputs come back in order as code 1, options may follow them */
    while ((c = getopt_long(argc, argv, "-n:o:f:h", longopts, NULL)) != -1) {
        if (c == 1) {
            if (optind - 1 < split_at)
                op.inputs[op.ninputs++] = optarg;
            else
                op.inputs2[op.ninputs2++] = optarg;
        } else if (c == 'h') {
            fputs(usage, stdout);
            return 0;
        } else if (take_opt(c, cmd, optarg, &op)) {
            return 2;
        }
    }
    if (op.split && strcmp(cmd, "compare") && strcmp(cmd, "diff")) {
        ccx_err("%s: \"--\" separates BEFORE and AFTER for compare and diff only", cmd);
        return 2;
    }
    if (op.ninputs == 0) {
        ccx_err("%s: no input given (--help)", cmd);
        return 2;
    }
    return run(fn, &op);
}

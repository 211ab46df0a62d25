/* test_options.c - the option table (preload/base/ccx_options.c): defaults,
 * good values and bounds, the holders type list (blanks trimmed, empty
 * items skipped, limits on names), and every bad value gives one warning
 * line naming the variable and falls back to the default; every row is in
 * docs/preload.md's table. */
#include "check.h"
#include "ccx_options.h"
#include "ccx_units.h"

#include <signal.h>
#include <stdlib.h>

static const char *const *env;
static int warnings;
static char last[600];

static const char *get(const char *name)
{
    for (int i = 0; env && env[i]; i += 2)
        if (strcmp(env[i], name) == 0)
            return env[i + 1];
    return NULL;
}

static void warn(const char *line)
{
    warnings++;
    snprintf(last, sizeof last, "%s", line);
}

static int parse(struct ccx_options *o, const char *const *e)
{
    env = e;
    warnings = 0;
    return ccx_options_parse(o, get, warn);
}

/* CCX_HOLDERS_TYPES_MAX + 1 names, with blanks and empty items between */
static const char *many_plus_one(void)
{
    static char v[(CCX_HOLDERS_TYPES_MAX + 1) * 12];
    v[0] = 0;
    for (int i = 0; i <= CCX_HOLDERS_TYPES_MAX; i++)
        snprintf(v + strlen(v), sizeof v - strlen(v), " Type%d ,,", i);
    return v;
}

/* "A," then a name of CCX_HOLDERS_NAME_LEN bytes, surrounded by blanks */
static const char *name_too_long(void)
{
    static char v[CCX_HOLDERS_NAME_LEN + 16];
    strcpy(v, "A, ");
    memset(v + 3, 'x', CCX_HOLDERS_NAME_LEN);
    strcpy(v + 3 + CCX_HOLDERS_NAME_LEN, " ,B");
    return v;
}

int main(void)
{
    struct ccx_options o;
    CHECK_EQ_INT(parse(&o, NULL), 0);
    CHECK_EQ_U64(o.sample, 524288);
    CHECK_EQ_INT(o.depth, 64);
    CHECK_EQ_INT(o.signal, SIGUSR2);
    CHECK_EQ_U64(o.interval_ns, 0);
    CHECK_EQ_INT(o.at_exit, 1);
    CHECK_EQ_INT(o.mmap, 1);
    CHECK_EQ_INT(o.python, 1);
    CHECK_EQ_INT(o.census, 1);
    CHECK_EQ_INT(o.gc_collect, 0);
    CHECK_STR(o.dir, "");
    CHECK_STR(o.only.text, "");
    CHECK_EQ_INT(o.only.refused, 0);
    CHECK_EQ_INT(o.holders, 3);
    CHECK_EQ_INT(o.holders_samples, 3);
    CHECK_EQ_INT(o.holders_types.n, 0);
    CHECK_EQ_INT(o.file_mode, 0600);

    /* CCXTRACE_FILE_MODE: octal, owner read+write, no execute bits */
    const char *modes[][2] = {{"0640", "416"}, {"640", "416"}, {"0644", "420"}, {"0666", "438"}, {"0600", "384"},
                              {"000660", "432"}};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        const char *e[] = {"CCXTRACE_FILE_MODE", modes[i][0], NULL};
        CHECK_EQ_INT(parse(&o, e), 0);
        CHECK_MSG(o.file_mode == atoi(modes[i][1]), "%s -> %o", modes[i][0], (unsigned)o.file_mode);
    }
    const char *badmodes[] = {"0700", "0755", "0644 ", "0400", "0200", "0040", "01640", "04600", "0o640", "0x1a0",
                              "8", "", "-0640", "99999999999999999999", "rw-r-----", "0640\n"};
    for (size_t i = 0; i < sizeof badmodes / sizeof badmodes[0]; i++) {
        const char *e[] = {"CCXTRACE_FILE_MODE", badmodes[i], NULL};
        CHECK_MSG(parse(&o, e) == 1 && warnings == 1, "CCXTRACE_FILE_MODE=%s accepted", badmodes[i]);
        CHECK_EQ_INT(o.file_mode, 0600);
        CHECK_MSG(strstr(last, "must be an octal mode from 0600 to 0666 without execute bits") &&
                      strstr(last, "; using the default \"0600\""),
                  "%s", last);
    }

    const char *good[] = {"CCXTRACE_SAMPLE", "all", "CCXTRACE_DEPTH", "8", "CCXTRACE_SIGNAL", "none",
                          "CCXTRACE_INTERVAL", "10m", "CCXTRACE_STATS_INTERVAL", "500ms", "CCXTRACE_AT_EXIT", "no",
                          "CCXTRACE_DIR", "/tmp/x", "CCXTRACE_ONLY", "python", "CCXTRACE_GC_COLLECT", "1",
                          "CCXTRACE_HOLDERS", "0", "CCXTRACE_HOLDERS_SAMPLES", "7",
                          "CCXTRACE_HOLDERS_TYPES", "Broker,mod.Session", NULL};
    CHECK_EQ_INT(parse(&o, good), 0);
    CHECK_EQ_U64(o.sample, CCX_SIZE_ALL);
    CHECK_EQ_INT(o.depth, 8);
    CHECK_EQ_INT(o.signal, 0);
    CHECK_EQ_U64(o.interval_ns, 600000000000ull);
    CHECK_EQ_U64(o.stats_interval_ns, 500000000ull);
    CHECK_EQ_INT(o.at_exit, 0);
    CHECK_STR(o.dir, "/tmp/x");
    CHECK_STR(o.only.text, "python");
    CHECK_EQ_INT(o.gc_collect, 1);
    CHECK_EQ_INT(o.holders, 0);
    CHECK_EQ_INT(o.holders_samples, 7);
    CHECK_EQ_INT(o.holders_types.n, 2);
    CHECK_STR(o.holders_types.name[0], "Broker");
    CHECK_STR(o.holders_types.name[1], "mod.Session");

    /* CCXTRACE_CENSUS: the booleans keep their meaning, beside deep and tracked */
    const char *census[][2] = {{"deep", "3"}, {"DEEP", "3"}, {"tracked", "2"}, {"Tracked", "2"}, {"1", "1"},
                               {"yes", "1"}, {"on", "1"}, {"0", "0"}, {"no", "0"}, {"off", "0"}, {"false", "0"}};
    for (size_t i = 0; i < sizeof census / sizeof census[0]; i++) {
        const char *e[] = {"CCXTRACE_CENSUS", census[i][0], NULL};
        CHECK_EQ_INT(parse(&o, e), 0);
        CHECK_MSG(o.census == atoi(census[i][1]), "CCXTRACE_CENSUS=%s -> %d", census[i][0], o.census);
    }
    CHECK_EQ_INT(CCX_CENSUS_DEEP, 3);
    CHECK_EQ_INT(CCX_CENSUS_TRACKED, 2);
    const char *deeper[] = {"CCXTRACE_CENSUS", "deeper", NULL};
    CHECK_EQ_INT(parse(&o, deeper), 1);
    CHECK_MSG(strstr(last, "CCXTRACE_CENSUS=\"deeper\": must be deep, tracked, or 1 or 0") &&
                  strstr(last, "using the default \"1\""),
              "%s", last);
    CHECK_EQ_INT(o.census, 1);

    /* the holders bounds, both ends */
    const char *hi[] = {"CCXTRACE_HOLDERS", "64", "CCXTRACE_HOLDERS_SAMPLES", "20", NULL};
    CHECK_EQ_INT(parse(&o, hi), 0);
    CHECK_EQ_INT(o.holders, CCX_HOLDERS_TOP_MAX);
    CHECK_EQ_INT(o.holders_samples, CCX_HOLDERS_SAMPLES_MAX);
    const char *lo[] = {"CCXTRACE_HOLDERS", "0", "CCXTRACE_HOLDERS_SAMPLES", "1", NULL};
    CHECK_EQ_INT(parse(&o, lo), 0);
    CHECK_EQ_INT(o.holders, 0);
    CHECK_EQ_INT(o.holders_samples, 1);

    /* the type list: items trimmed of spaces and tabs, empty ones skipped */
    const char *types[] = {"CCXTRACE_HOLDERS_TYPES", " Broker ,, \tbuiltins.dict\t, ,traceback,", NULL};
    CHECK_EQ_INT(parse(&o, types), 0);
    CHECK_EQ_INT(o.holders_types.n, 3);
    CHECK_STR(o.holders_types.name[0], "Broker");
    CHECK_STR(o.holders_types.name[1], "builtins.dict");
    CHECK_STR(o.holders_types.name[2], "traceback");
    const char *blank[] = {"CCXTRACE_HOLDERS_TYPES", " , ,\t", NULL};
    CHECK_EQ_INT(parse(&o, blank), 0);
    CHECK_EQ_INT(o.holders_types.n, 0);
    /* exactly CCX_HOLDERS_TYPES_MAX names, the longest name allowed */
    char many[CCX_HOLDERS_TYPES_MAX * 8 + 8] = "";
    for (int i = 0; i < CCX_HOLDERS_TYPES_MAX; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "T%d, ", i);
    const char *full[] = {"CCXTRACE_HOLDERS_TYPES", many, NULL};
    CHECK_EQ_INT(parse(&o, full), 0);
    CHECK_EQ_INT(o.holders_types.n, CCX_HOLDERS_TYPES_MAX);
    CHECK_STR(o.holders_types.name[CCX_HOLDERS_TYPES_MAX - 1], "T15");
    char longest[CCX_HOLDERS_NAME_LEN + 8];
    memset(longest, 'n', CCX_HOLDERS_NAME_LEN - 1);
    strcpy(longest + CCX_HOLDERS_NAME_LEN - 1, " ,x");
    const char *edge[] = {"CCXTRACE_HOLDERS_TYPES", longest, NULL};
    CHECK_EQ_INT(parse(&o, edge), 0);
    CHECK_EQ_INT(o.holders_types.n, 2);
    CHECK_EQ_INT((int)strlen(o.holders_types.name[0]), CCX_HOLDERS_NAME_LEN - 1);
    CHECK_STR(o.holders_types.name[1], "x");

    const char *sizes[] = {"CCXTRACE_SAMPLE", "64k", NULL};
    parse(&o, sizes);
    CHECK_EQ_U64(o.sample, 65536);
    const char *sig[] = {"CCXTRACE_SIGNAL", "SIGUSR1", NULL};
    parse(&o, sig);
    CHECK_EQ_INT(o.signal, SIGUSR1);
    const char *rt[] = {"CCXTRACE_SIGNAL", "RTMIN+2", NULL};
    CHECK_EQ_INT(parse(&o, rt), 0);
    CHECK_EQ_INT(o.signal, SIGRTMIN + 2);
    const char *refused[] = {"KILL", "9", "SEGV", "INT", "TERM", "sigterm", "15", "HUP", "QUIT", "ALRM", "WINCH"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        const char *e[] = {"CCXTRACE_SIGNAL", refused[i], NULL};
        CHECK_EQ_INT(parse(&o, e), 1);
        CHECK_EQ_INT(o.signal, SIGUSR2);
        CHECK_MSG(strstr(last, "a signal the program may rely on (only USR1, USR2 and RTMIN..RTMAX are taken") &&
                      strstr(last, "using the default \"USR2\""),
                  "%s", last);
    }
    const char *usr1[] = {"CCXTRACE_SIGNAL", "usr1", NULL};
    CHECK_EQ_INT(parse(&o, usr1), 0);
    CHECK_EQ_INT(o.signal, SIGUSR1);

    /* a value with a newline or an escape sequence is shown escaped: one
     * line, printable ASCII, the prefix first (issue 12) */
    const char *nl[] = {"CCXTRACE_DEPTH", "8\nccxtrace-fake: \x1b[31mred\x1b[0m \"q\" \\ \xc3\xa9", NULL};
    CHECK_EQ_INT(parse(&o, nl), 1);
    CHECK_STR(last, "ccxtrace: CCXTRACE_DEPTH=\"8\\nccxtrace-fake: \\x1b[31mred\\x1b[0m \\\"q\\\" \\\\ "
                    "\\xc3\\xa9\": must be a whole number from 1 to 256; using the default \"64\"");
    for (const char *c = last; *c; c++)
        CHECK_MSG(*c >= 0x20 && *c < 0x7f, "byte 0x%02x in the warning", (unsigned char)*c);
    /* a long value is cut, its escapes whole, and the line still ends */
    char longnl[600];
    for (int i = 0; i < 599; i++)
        longnl[i] = i % 3 ? 'x' : '\n';
    longnl[599] = 0;
    const char *ln[] = {"CCXTRACE_SAMPLE", longnl, NULL};
    CHECK_EQ_INT(parse(&o, ln), 1);
    CHECK_MSG(strstr(last, "...\": ") && strstr(last, "; using the default \"512k\"") && !strchr(last, '\n'), "%s",
              last);

    /* CCXTRACE_ONLY too long fails closed: no process selected, one line */
    char longonly[CCX_ONLY_MAX + 2];
    memset(longonly, 'p', sizeof longonly - 1);
    longonly[sizeof longonly - 1] = 0;
    const char *lo_only[] = {"CCXTRACE_ONLY", longonly, NULL};
    CHECK_EQ_INT(parse(&o, lo_only), 1);
    CHECK_EQ_INT(warnings, 1);
    CHECK_EQ_INT(o.only.refused, 1);
    CHECK_MSG(strstr(last, "ccxtrace: CCXTRACE_ONLY=\"ppp") && strstr(last, "\": longer than 255 bytes; tracing nothing"),
              "%s", last);
    CHECK_EQ_INT(ccx_options_check("CCXTRACE_ONLY", get, warn), 1);
    CHECK_EQ_INT(warnings, 2);
    CHECK_MSG(strstr(last, "tracing nothing") != NULL, "%s", last);
    CHECK_EQ_INT(ccx_options_check("CCXTRACE_DEPTH", get, warn), 0);
    char exact[CCX_ONLY_MAX + 1]; /* exactly the limit: fine */
    memset(exact, 'p', CCX_ONLY_MAX);
    exact[CCX_ONLY_MAX] = 0;
    const char *ex_only[] = {"CCXTRACE_ONLY", exact, NULL};
    CHECK_EQ_INT(parse(&o, ex_only), 0);
    CHECK_EQ_INT(o.only.refused, 0);
    CHECK_EQ_INT((int)strlen(o.only.text), CCX_ONLY_MAX);

    const char *bad[][2] = {
        {"CCXTRACE_SAMPLE", "12q"}, {"CCXTRACE_SAMPLE", "0"}, {"CCXTRACE_SAMPLE", "-5"},
        {"CCXTRACE_DEPTH", "0"}, {"CCXTRACE_DEPTH", "1000"}, {"CCXTRACE_DEPTH", "ten"},
        {"CCXTRACE_SIGNAL", "SIGFOO"}, {"CCXTRACE_INTERVAL", "-1s"}, {"CCXTRACE_INTERVAL", "5us"},
        {"CCXTRACE_STATS_INTERVAL", "3x"}, {"CCXTRACE_AT_EXIT", "maybe"}, {"CCXTRACE_MMAP", "2"},
        {"CCXTRACE_MAX_STACKS", "5"}, {"CCXTRACE_PYTHON", ""}, {"CCXTRACE_GC_COLLECT", "yes please"},
        {"CCXTRACE_HOLDERS", "65"}, {"CCXTRACE_HOLDERS", "-1"}, {"CCXTRACE_HOLDERS", "three"},
        {"CCXTRACE_HOLDERS", ""}, {"CCXTRACE_HOLDERS_SAMPLES", "0"}, {"CCXTRACE_HOLDERS_SAMPLES", "21"},
        {"CCXTRACE_HOLDERS_SAMPLES", "2x"}, {"CCXTRACE_HOLDERS_TYPES", many_plus_one()},
        {"CCXTRACE_HOLDERS_TYPES", name_too_long()}, {"CCXTRACE_CENSUS", "2"}, {"CCXTRACE_CENSUS", "deep "},
        {"CCXTRACE_CENSUS", ""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *e[] = {bad[i][0], bad[i][1], NULL};
        CHECK_EQ_INT(parse(&o, e), 1);
        CHECK_EQ_INT(warnings, 1);
        CHECK_MSG(strncmp(last, "ccxtrace: ", 10) == 0 && strstr(last, bad[i][0]) && strstr(last, "using the default"),
                  "%s", last);
        struct ccx_options d;
        parse(&d, NULL);
        CHECK_MSG(memcmp(&o, &d, sizeof o) == 0, "%s=%s did not fall back to the default", bad[i][0], bad[i][1]);
    }
    const char *toomany[] = {"CCXTRACE_HOLDERS_TYPES", many_plus_one(), NULL};
    CHECK_EQ_INT(parse(&o, toomany), 1);
    CHECK_MSG(strstr(last, "more than 16 type names; using the default \"(none)\"") != NULL, "%s", last);
    CHECK_EQ_INT(o.holders_types.n, 0);
    const char *range[] = {"CCXTRACE_HOLDERS_SAMPLES", "21", NULL};
    CHECK_EQ_INT(parse(&o, range), 1);
    CHECK_MSG(strstr(last, "CCXTRACE_HOLDERS_SAMPLES=\"21\": must be a whole number from 1 to 20; "
                           "using the default \"3\"") != NULL, "%s", last);
    CHECK_EQ_INT(o.holders_samples, 3);

    char longdir[2000];
    memset(longdir, 'a', sizeof longdir - 1);
    longdir[sizeof longdir - 1] = 0;
    const char *e[] = {"CCXTRACE_DIR", longdir, NULL};
    CHECK_EQ_INT(parse(&o, e), 1);
    CHECK_STR(o.dir, "");
    CHECK_EQ_INT(o.only.refused, 0);

    size_t n;
    const struct ccx_option_doc *doc = ccx_options_doc(&n);
    CHECK(n >= 17);
    for (size_t i = 0; i < n; i++)
        CHECK(strncmp(doc[i].env, "CCXTRACE_", 9) == 0 && doc[i].doc[0]);

    /* every row is documented in docs/preload.md (the runner starts us in
     * the checkout) */
    FILE *f = fopen("docs/preload.md", "r");
    CHECK_MSG(f != NULL, "cannot open docs/preload.md from the checkout");
    if (f) {
        static char text[65536];
        size_t len = fread(text, 1, sizeof text - 1, f);
        text[len] = 0;
        fclose(f);
        for (size_t i = 0; i < n; i++) {
            char want[80];
            snprintf(want, sizeof want, "| `%s` |", doc[i].env);
            CHECK_MSG(strstr(text, want) != NULL, "%s is not in docs/preload.md's table", doc[i].env);
        }
    }
    return check_done();
}

/* test_options.c - the option table (preload/ccx_options.c): defaults,
 * good values, and every bad value gives one warning line naming the
 * variable and falls back to the default. */
#include "check.h"
#include "ccx_options.h"
#include "ccx_units.h"

#include <signal.h>

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
    CHECK_STR(o.only, "");

    const char *good[] = {"CCXTRACE_SAMPLE", "all", "CCXTRACE_DEPTH", "8", "CCXTRACE_SIGNAL", "none",
                          "CCXTRACE_INTERVAL", "10m", "CCXTRACE_STATS_INTERVAL", "500ms", "CCXTRACE_AT_EXIT", "no",
                          "CCXTRACE_DIR", "/tmp/x", "CCXTRACE_ONLY", "python", "CCXTRACE_GC_COLLECT", "1", NULL};
    CHECK_EQ_INT(parse(&o, good), 0);
    CHECK_EQ_U64(o.sample, CCX_SIZE_ALL);
    CHECK_EQ_INT(o.depth, 8);
    CHECK_EQ_INT(o.signal, 0);
    CHECK_EQ_U64(o.interval_ns, 600000000000ull);
    CHECK_EQ_U64(o.stats_interval_ns, 500000000ull);
    CHECK_EQ_INT(o.at_exit, 0);
    CHECK_STR(o.dir, "/tmp/x");
    CHECK_STR(o.only, "python");
    CHECK_EQ_INT(o.gc_collect, 1);

    const char *sizes[] = {"CCXTRACE_SAMPLE", "64k", NULL};
    parse(&o, sizes);
    CHECK_EQ_U64(o.sample, 65536);
    const char *sig[] = {"CCXTRACE_SIGNAL", "SIGUSR1", NULL};
    parse(&o, sig);
    CHECK_EQ_INT(o.signal, SIGUSR1);
    int s;
    CHECK_EQ_INT(ccx_parse_signal("RTMIN+2", &s), 0);
    CHECK_EQ_INT(s, SIGRTMIN + 2);
    CHECK_EQ_INT(ccx_parse_signal("KILL", &s), -1);
    CHECK_EQ_INT(ccx_parse_signal("9", &s), -1);
    CHECK_EQ_INT(ccx_parse_signal("SEGV", &s), -1);

    static const char *bad[][2] = {
        {"CCXTRACE_SAMPLE", "12q"}, {"CCXTRACE_SAMPLE", "0"}, {"CCXTRACE_SAMPLE", "-5"},
        {"CCXTRACE_DEPTH", "0"}, {"CCXTRACE_DEPTH", "1000"}, {"CCXTRACE_DEPTH", "ten"},
        {"CCXTRACE_SIGNAL", "SIGFOO"}, {"CCXTRACE_INTERVAL", "-1s"}, {"CCXTRACE_INTERVAL", "5us"},
        {"CCXTRACE_STATS_INTERVAL", "3x"}, {"CCXTRACE_AT_EXIT", "maybe"}, {"CCXTRACE_MMAP", "2"},
        {"CCXTRACE_MAX_STACKS", "5"}, {"CCXTRACE_PYTHON", ""}, {"CCXTRACE_GC_COLLECT", "yes please"},
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
    char longdir[2000];
    memset(longdir, 'a', sizeof longdir - 1);
    longdir[sizeof longdir - 1] = 0;
    const char *e[] = {"CCXTRACE_DIR", longdir, NULL};
    CHECK_EQ_INT(parse(&o, e), 1);
    CHECK_STR(o.dir, "");

    size_t n;
    const struct ccx_option_doc *doc = ccx_options_doc(&n);
    CHECK(n >= 14);
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

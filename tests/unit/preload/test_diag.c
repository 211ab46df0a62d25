/* test_diag.c - the preload's one diagnostics path (preload/base/ccx_diag.c):
 * every message one "ccxtrace: " line on stderr (prefix added once, quoted
 * text escaped), at most CCX_DIAG_MAX lines per process image with a last
 * line saying so, CCX_DIAG_LIMIT's per-site cap, and ccx_assert as the
 * release library has it (NDEBUG): a broken invariant returns, says so in
 * one line and calls the handler that turns tracing off, never aborts. */
#define NDEBUG 1 /* the release library's ccx_assert, whatever this build says */
#include "check.h"
#include "ccx_diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char out[1 << 16];
static int saved = -1;
static FILE *cap;

/* stderr goes to a temporary file until stop() returns its text. */
static void start(void)
{
    fflush(stderr);
    cap = tmpfile();
    saved = dup(2);
    dup2(fileno(cap), 2);
}

static const char *stop(void)
{
    dup2(saved, 2);
    close(saved);
    rewind(cap);
    size_t n = fread(out, 1, sizeof out - 1, cap);
    out[n] = 0;
    fclose(cap);
    return out;
}

static int count_lines(const char *s, const char *with)
{
    int n = 0;
    for (const char *p = s; *p; p = strchr(p, '\n') + 1) {
        const char *nl = strchr(p, '\n');
        if (!nl)
            break;
        if (strncmp(p, with, strlen(with)) == 0)
            n++;
    }
    return n;
}

static int offs;
static void turn_off(void)
{
    offs++;
}

int main(int argc, char **argv)
{
    (void)argv;
    /* one line, the prefix once, what it quotes escaped */
    start();
    ccx_diag("cannot open %s: %s", "/tmp/a\nb", ccx_strerror(2));
    ccx_diag("ccxtrace: already prefixed");
    CHECK_STR(stop(), "ccxtrace: cannot open /tmp/a\\nb: No such file or directory\n"
                      "ccxtrace: already prefixed\n");

    /* a call site that repeats says it at most n times */
    start();
    for (int i = 0; i < 10; i++)
        CCX_DIAG_LIMIT(3, "repeat %d", i);
    CHECK_STR(stop(), "ccxtrace: repeat 0\nccxtrace: repeat 1\nccxtrace: repeat 2\n");

    /* the process's cap: CCX_DIAG_MAX lines in all, the last one says so */
    ccx_diag_atfork_child();
    start();
    for (int i = 0; i < CCX_DIAG_MAX + 50; i++)
        ccx_diag("line %d", i);
    const char *s = stop();
    CHECK_EQ_INT(count_lines(s, "ccxtrace: "), CCX_DIAG_MAX);
    CHECK_EQ_INT(count_lines(s, "ccxtrace: line "), CCX_DIAG_MAX - 1);
    CHECK_EQ_INT(count_lines(s, "ccxtrace: too many messages; further ones are dropped"), 1);
    /* a fork child counts its own */
    ccx_diag_atfork_child();
    start();
    ccx_diag("child");
    CHECK_STR(stop(), "ccxtrace: child\n");

    /* ccx_assert with NDEBUG: a true condition is silent; a false one
     * returns, writes one line and turns tracing off */
    ccx_diag_on_broken(turn_off);
    start();
    int x = argc > 0; /* 1, unknown to a static checker */
    ccx_assert(x == 1);
    CHECK_STR(stop(), "");
    CHECK_EQ_INT(offs, 0);
    start();
    ccx_assert(x == 2);
    s = stop();
    CHECK_MSG(strncmp(s, "ccxtrace: internal error: test_diag.c:", 38) == 0 &&
                  strstr(s, ": x == 2 does not hold; tracing is off\n") != NULL && count_lines(s, "") == 1,
              "got \"%s\"", s);
    CHECK_EQ_INT(offs, 1);
    return check_done();
}

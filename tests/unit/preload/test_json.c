/* test_json.c - the streaming JSON writer (preload/base/ccx_json.c): commas and
 * nesting, escapes, invalid UTF-8 replaced, numbers, null for non-finite
 * doubles, output larger than the buffer, and write errors kept. */
#include "check.h"
#include "ccx_json.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static char *render(void (*fill)(struct ccx_json *))
{
    FILE *f = tmpfile();
    struct ccx_json *j = malloc(sizeof *j);
    ccx_json_init(j, fileno(f));
    fill(j);
    CHECK_EQ_INT(ccx_json_flush(j), 0);
    free(j);
    long n = ftell(f) < 0 ? 0 : lseek(fileno(f), 0, SEEK_END);
    char *out = calloc(1, (size_t)n + 1);
    if (pread(fileno(f), out, (size_t)n, 0) != n)
        out[0] = 0;
    fclose(f);
    return out;
}

static void small(struct ccx_json *j)
{
    ccx_json_begin_object(j);
    ccx_json_kv_str(j, "a", "x\"y\\z\n\t\x01");
    ccx_json_kv_u64(j, "b", 18446744073709551615ull);
    ccx_json_kv_i64(j, "c", -42);
    ccx_json_key(j, "d");
    ccx_json_begin_array(j);
    ccx_json_double(j, 0.5);
    ccx_json_double(j, NAN);
    ccx_json_bool(j, 1);
    ccx_json_null(j);
    ccx_json_string(j, NULL);
    ccx_json_begin_object(j);
    ccx_json_end_object(j);
    ccx_json_begin_array(j);
    ccx_json_end_array(j);
    ccx_json_end_array(j);
    ccx_json_kv_str(j, "utf8", "caf\xc3\xa9 \xff\xe2\x82");
    ccx_json_kv_double(j, "e", 1234.5);
    ccx_json_end_object(j);
    ccx_json_text(j, "\n", 1);
}

static void big(struct ccx_json *j)
{
    ccx_json_begin_array(j);
    for (int i = 0; i < 100000; i++)
        ccx_json_u64(j, (uint64_t)i);
    ccx_json_end_array(j);
}

int main(void)
{
    char *s = render(small);
    CHECK_STR(s, "{\"a\":\"x\\\"y\\\\z\\n\\t\\u0001\",\"b\":18446744073709551615,\"c\":-42,"
                 "\"d\":[0.5,null,true,null,null,{},[]],\"utf8\":\"caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\","
                 "\"e\":1234.5}\n");
    free(s);
    s = render(big);
    CHECK(strlen(s) > 65536);
    CHECK(strncmp(s, "[0,1,2,", 7) == 0);
    CHECK(strcmp(s + strlen(s) - 7, ",99999]") == 0);
    free(s);

    /* a write error is kept and reported once at the end */
    int fds[2];
    CHECK_EQ_INT(pipe(fds), 0);
    close(fds[0]);
    signal(SIGPIPE, SIG_IGN);
    struct ccx_json *j = malloc(sizeof *j);
    ccx_json_init(j, fds[1]);
    big(j);
    CHECK_EQ_INT(ccx_json_flush(j), EPIPE);
    free(j);
    close(fds[1]);
    return check_done();
}

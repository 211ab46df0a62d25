/* test_json.c - the streaming JSON writer (preload/base/ccx_json.c): commas and
 * nesting, escapes, invalid UTF-8 replaced, numbers (the writer's own
 * digits against printf's, edges and a sweep), hex strings, null for
 * non-finite doubles, output larger than the buffer (strings that cross
 * its end included), and write errors kept. */
#include "check.h"
#include "ccx_json.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Numbers: the same text as printf's %llu / %lld / "0x%llx". */
static uint64_t numbers[4096];
static size_t nnumbers;

static void fill_numbers(void)
{
    static const uint64_t edges[] = {0, 1, 9, 10, 99, 100, 4294967295ull, 4294967296ull, 9223372036854775807ull,
                                     9223372036854775808ull, 18446744073709551615ull, 1000000000000000000ull,
                                     10000000000000000000ull};
    uint64_t x = 88172645463325252ull; /* xorshift64 */
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        numbers[nnumbers++] = edges[i];
    while (nnumbers < sizeof numbers / sizeof numbers[0]) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        numbers[nnumbers++] = x >> (x % 64); /* every magnitude */
    }
}

static void numbers_json(struct ccx_json *j)
{
    ccx_json_begin_array(j);
    for (size_t i = 0; i < nnumbers; i++) {
        ccx_json_u64(j, numbers[i]);
        ccx_json_i64(j, (int64_t)numbers[i]);
        ccx_json_hex(j, numbers[i]);
    }
    ccx_json_end_array(j);
}

static char *numbers_printf(void)
{
    size_t cap = nnumbers * 72 + 8, n = 0;
    char *out = malloc(cap);
    n += (size_t)snprintf(out + n, cap - n, "[");
    for (size_t i = 0; i < nnumbers; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%llu,%lld,\"0x%llx\"", i ? "," : "", (unsigned long long)numbers[i],
                              (long long)(int64_t)numbers[i], (unsigned long long)numbers[i]);
    snprintf(out + n, cap - n, "]");
    return out;
}

/* Strings of plain text, escapes and UTF-8 across the buffer's end. */
static char *long_text;

static void long_strings(struct ccx_json *j)
{
    ccx_json_begin_array(j);
    for (int i = 0; i < 40; i++)
        ccx_json_string(j, long_text);
    ccx_json_end_array(j);
}

static void check_long_strings(void)
{
    const size_t n = 5000;
    long_text = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        long_text[i] = (char)(i % 97 == 0 ? '"' : i % 89 == 0 ? '\n' : 'a' + (int)(i % 26));
    long_text[n] = 0;
    memcpy(long_text + 100, "\xc3\xa9", 2);
    size_t cap = 40 * (n * 2 + 4) + 4, m = 0;
    char *want = malloc(cap);
    want[m++] = '[';
    for (int k = 0; k < 40; k++) {
        if (k)
            want[m++] = ',';
        want[m++] = '"';
        for (size_t i = 0; i < n; i++) {
            char c = long_text[i];
            if (c == '"')
                want[m++] = '\\', want[m++] = '"';
            else if (c == '\n')
                want[m++] = '\\', want[m++] = 'n';
            else
                want[m++] = c;
        }
        want[m++] = '"';
    }
    want[m++] = ']';
    want[m] = 0;
    char *got = render(long_strings);
    CHECK(strlen(got) > 65536);
    CHECK(strcmp(got, want) == 0);
    free(got);
    free(want);
    free(long_text);
}

int main(void)
{
    fill_numbers();
    char *nj = render(numbers_json), *np = numbers_printf();
    CHECK(strlen(nj) > 65536);
    CHECK(strcmp(nj, np) == 0);
    free(nj);
    free(np);
    check_long_strings();

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

/* test_trigger.c - ccx_trigger_label (preload/base/ccx_trigger.c): the label line
 * of the trigger file, found on any line, cut at the line's end and at the
 * buffer's size without splitting a UTF-8 character. */
#include "check.h"
#include "ccx_trigger.h"

static const char *label(const char *in, size_t cap)
{
    static char out[64];
    memset(out, '#', sizeof out);
    size_t len = ccx_trigger_label(in, strlen(in), out, cap);
    CHECK_MSG(len < cap && out[len] == 0 && strlen(out) == len, "length %zu for cap %zu", len, cap);
    return out;
}

int main(void)
{
    CHECK_STR(label("3\n", 64), "");
    CHECK_STR(label("", 64), "");
    CHECK_STR(label("4\nlabel=after burst 2\n", 64), "after burst 2");
    CHECK_STR(label("label=first\nlabel=second\n", 64), "first");
    CHECK_STR(label("5\r\nlabel=crlf\r\n", 64), "crlf");
    CHECK_STR(label("6\nlabel=no newline", 64), "no newline");
    CHECK_STR(label("6\nlabel=\n", 64), "");
    CHECK_STR(label("6\n label=indented\n", 64), "");
    CHECK_STR(label("6\nxlabel=other\n", 64), "");
    /* cut at cap - 1 bytes */
    CHECK_STR(label("label=abcdefgh\n", 5), "abcd");
    /* "é" is two bytes: never half of it */
    CHECK_STR(label("label=ab\xc3\xa9z\n", 4), "ab");
    CHECK_STR(label("label=ab\xc3\xa9z\n", 5), "ab\xc3\xa9");
    /* a three-byte character (€) cut after one or two bytes */
    CHECK_STR(label("label=a\xe2\x82\xac\n", 3), "a");
    CHECK_STR(label("label=a\xe2\x82\xac\n", 4), "a");
    CHECK_STR(label("label=a\xe2\x82\xac\n", 5), "a\xe2\x82\xac");
    char one[1] = {'#'};
    CHECK_EQ_INT((int)ccx_trigger_label("label=x\n", 8, one, 1), 0);
    CHECK(one[0] == 0);
    return check_done();
}

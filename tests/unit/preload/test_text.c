/* test_text.c - ccx_escape (preload/base/ccx_text.c): what the tracer's stderr
 * lines quote comes out as printable ASCII on one line, escapes never cut
 * in half, the output always terminated. */
#include "check.h"
#include "ccx_text.h"

static const char *esc(const char *in, size_t n, size_t cap, unsigned flags)
{
    static char out[256];
    memset(out, '#', sizeof out);
    size_t len = ccx_escape(out, cap, in, n, flags);
    CHECK_MSG(len < cap && out[len] == 0 && strlen(out) == len, "length %zu for cap %zu", len, cap);
    return out;
}

int main(void)
{
    CHECK_STR(esc("plain /dir/x", 12, 64, 0), "plain /dir/x");
    CHECK_STR(esc("a\nb\rc\td", 7, 64, 0), "a\\nb\\rc\\td");
    CHECK_STR(esc("\x1b[2J\x07\x7f", 6, 64, 0), "\\x1b[2J\\x07\\x7f");
    CHECK_STR(esc("\xc3\xa9\x9b", 3, 64, 0), "\\xc3\\xa9\\x9b");
    CHECK_STR(esc("q\"b\\", 4, 64, 0), "q\"b\\");
    CHECK_STR(esc("q\"b\\", 4, 64, CCX_ESC_QUOTED), "q\\\"b\\\\");
    CHECK_STR(esc("a\0b", 3, 64, 0), "a\\x00b");
    CHECK_STR(esc("", 0, 64, 0), "");
    /* exactly fits: no "..." */
    CHECK_STR(esc("abcd", 4, 5, 0), "abcd");
    /* does not fit: cut with "...", never half an escape */
    CHECK_STR(esc("abcdef", 6, 5, 0), "a...");
    CHECK_STR(esc("\n\n\n\n\n", 5, 8, 0), "\\n\\n...");
    CHECK_STR(esc("\n\n\n\n\n", 5, 7, 0), "\\n...");
    CHECK_STR(esc("abc", 3, 3, 0), "..");
    CHECK_STR(esc("x\x1b", 2, 5, 0), "x...");
    CHECK_STR(esc("x\x1b", 2, 6, 0), "x\\x1b");
    CHECK_STR(esc("abc", 3, 1, 0), "");
    char one = 'z';
    CHECK_EQ_INT(ccx_escape(&one, 0, "abc", 3, 0), 0);
    CHECK_EQ_INT(one, 'z');
    /* every byte value: printable ASCII out, one line */
    char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (char)i;
    static char big[2048];
    size_t len = ccx_escape(big, sizeof big, all, sizeof all, CCX_ESC_QUOTED);
    CHECK(len > 256 && len < sizeof big);
    for (size_t i = 0; i < len; i++)
        CHECK_MSG(big[i] >= 0x20 && big[i] < 0x7f, "byte 0x%02x at %zu", (unsigned char)big[i], i);
    return check_done();
}

/* test_textsafe.c - the escaping of snapshot strings (analyzer/textsafe.c):
 * printable ASCII and valid UTF-8 kept as they are; C0 controls, DEL and
 * bytes outside valid UTF-8 (overlong forms, surrogates, beyond U+10FFFF,
 * cut sequences) shown as \xHH; C1 controls as \u00HH; and labels cut to fit
 * (a buffer, a table column) never cut inside a character. */
#include "../check.h"
#include "out.h"
#include "textsafe.h"

#include <stdlib.h>

static void same(const char *in)
{
    char *fresh = (char *)1;
    CHECK_MSG(ccx_is_safe(in), "\"%s\" should need no change", in);
    const char *out = ccx_safe_str(in, &fresh);
    CHECK_MSG(out == in && fresh == NULL, "\"%s\" was copied", in);
}

static void escaped(const char *in, const char *want)
{
    CHECK_MSG(!ccx_is_safe(in), "\"%s\" taken as safe", want);
    char *fresh = NULL;
    const char *out = ccx_safe_str(in, &fresh);
    CHECK_MSG(out && fresh == out && !strcmp(out, want), "got \"%s\", want \"%s\"", out ? out : "(null)", want);
    CHECK_MSG(out && ccx_is_safe(out), "the escaped form \"%s\" is not safe itself", want);
    free(fresh);
    char *d = ccx_safe_dup(in);
    CHECK(d && !strcmp(d, want));
    free(d);
    /* the stream form writes the same */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ccx_safe_fputs(in, f);
    fclose(f);
    CHECK_MSG(!strcmp(buf, want), "fputs wrote \"%s\", want \"%s\"", buf, want);
    free(buf);
}

int main(void)
{
    same("");
    same("python3 app.py --port 8080");
    same("/app/caf\xc3\xa9.py");                  /* é, 2 bytes */
    same("\xe2\x82\xac 100");                     /* €, 3 bytes */
    same("\xf0\x9f\x90\x8d snake");               /* U+1F40D, 4 bytes */
    same("C:\\path\\with\\backslashes");        /* backslashes stay */
    same("\xc2\xa0");                             /* U+00A0, the first after C1 */
    escaped("\x1b[2Jclear", "\\x1b[2Jclear");
    escaped("two\nlines\r\t", "two\\x0alines\\x0d\\x09");
    escaped("del\x7f", "del\\x7f");
    escaped("\x1b]0;title\x07", "\\x1b]0;title\\x07");
    escaped("csi\xc2\x9b" "31m", "csi\\u009b31m");   /* C1 CSI as UTF-8 */
    escaped("\xc2\x80", "\\u0080");
    escaped("latin1 caf\xe9", "latin1 caf\\xe9");  /* a lone lead byte */
    escaped("\xff\xfe", "\\xff\\xfe");
    escaped("\xc0\xaf", "\\xc0\\xaf");            /* overlong '/' */
    escaped("\xe0\x80\xaf", "\\xe0\\x80\\xaf");   /* overlong, 3 bytes */
    escaped("\xed\xa0\x80", "\\xed\\xa0\\x80");   /* a UTF-16 surrogate */
    escaped("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* above U+10FFFF */
    escaped("cut \xe2\x82", "cut \\xe2\\x82");    /* sequence cut by the end */
    escaped("\x80 alone", "\\x80 alone");         /* a continuation byte alone */
    /* what snprintf leaves when it cuts inside a character */
    char cut[32];
    snprintf(cut, sizeof cut, "abc\xe2\x82");        /* € cut after 2 of 3 */
    ccx_utf8_trim(cut);
    CHECK_STR(cut, "abc");
    snprintf(cut, sizeof cut, "abc\xf0\x9f\x90");    /* U+1F40D cut after 3 of 4 */
    ccx_utf8_trim(cut);
    CHECK_STR(cut, "abc");
    snprintf(cut, sizeof cut, "abc\xc3");            /* é cut after 1 of 2 */
    ccx_utf8_trim(cut);
    CHECK_STR(cut, "abc");
    snprintf(cut, sizeof cut, "abc\xc3\xa9");        /* whole: kept */
    ccx_utf8_trim(cut);
    CHECK_STR(cut, "abc\xc3\xa9");
    snprintf(cut, sizeof cut, "\xf0\x9f\x90\x8d");  /* whole 4 bytes: kept */
    ccx_utf8_trim(cut);
    CHECK_STR(cut, "\xf0\x9f\x90\x8d");
    cut[0] = '\0';
    ccx_utf8_trim(cut);
    CHECK_STR(cut, "");
    /* a table column keeps the end of a label: it starts on a character */
    const char *label = "/app/\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac/caf\xc3\xa9.py:42 f";
    for (int w = 4; w < 30; w++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        ccx_put_cut(f, label, w);
        fclose(f);
        CHECK_MSG(ccx_is_safe(buf), "cut to %d: \"%s\"", w, buf);
        CHECK_MSG(len >= 1 && buf[len - 1] == 'f', "cut to %d: the end is lost: \"%s\"", w, buf);
        free(buf);
    }
    return check_done();
}

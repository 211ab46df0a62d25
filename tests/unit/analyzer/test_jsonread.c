/* test_jsonread.c - the streaming JSON reader (analyzer/jsonread.c): what
 * it reads (escapes, surrogate pairs, numbers), what it refuses and how it
 * says so (JSON's number grammar, lone surrogates, nesting, a key given
 * twice in a small and in a large object, skipped values included, text
 * after the document, truncation), members left out of a tree, and the
 * same results from a file read in 1 MiB windows as from memory (strings
 * and numbers cut by a window's end). */
#include "check.h"
#include "jsonread.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Skips the whole document DOC; returns the error ("" when none). */
static const char *skip_doc(const char *doc, struct ccx_jr *j)
{
    ccx_jr_init_mem(j, doc, strlen(doc));
    if (ccx_jr_skip(j) < 0 || ccx_jr_finish(j) < 0)
        return j->err;
    return "";
}

static void refused(const char *doc, const char *want)
{
    struct ccx_jr j;
    const char *err = skip_doc(doc, &j);
    CHECK_MSG(strstr(err, want) != NULL, "\"%.40s\": message \"%s\", want \"%s\"", doc, err, want);
    ccx_jr_free(&j);
}

static void accepted(const char *doc)
{
    struct ccx_jr j;
    const char *err = skip_doc(doc, &j);
    CHECK_MSG(*err == '\0', "\"%.40s\" refused: %s", doc, err);
    ccx_jr_free(&j);
}

static void grammar(void)
{
    accepted("[0, -0, 1.5, -2e3, 4E+2, 5e-1, 12345678901234567890, true, false, null, \"\", {}]");
    refused("[01]", "invalid JSON at byte 2");
    refused("[+1]", "invalid JSON at byte 1");
    refused("[1.]", "invalid JSON at byte 3");
    refused("[1e]", "invalid JSON at byte 3");
    refused("[-]", "invalid JSON at byte 2");
    refused("[.5]", "invalid JSON at byte 1");
    refused("[tru]", "invalid JSON at byte 4");
    refused("[1,]", "invalid JSON at byte 3");
    refused("{\"a\" 1}", "invalid JSON at byte 5");
    refused("{\"a\":1,}", "invalid JSON at byte 7");
    refused("[\"\\x\"]", "invalid JSON at byte 3");
    refused("[\"\\udc00\"]", "invalid JSON");     /* a lone low surrogate */
    refused("[\"\\ud800x\"]", "invalid JSON");    /* a high one alone */
    refused("[\"\\ud800\\u0041\"]", "invalid JSON");
    refused("{\"a\":[1,2", "truncated JSON (ends after 9 bytes");
    refused("[\"abc", "truncated JSON");
    refused("[tr", "truncated JSON");
    refused("", "truncated JSON");
    refused("{} x", "1 bytes of trailing data after the JSON document (from byte 3)");
    refused("{}\n{}", "2 bytes of trailing data after the JSON document (from byte 3): a second document");
    accepted("{} \n\t\r");
    /* as deep as cJSON goes, and not deeper */
    char deep[2100];
    for (int d = 1000; d <= 1001; d++) {
        memset(deep, '[', (size_t)d);
        memset(deep + d, ']', (size_t)d);
        deep[2 * d] = '\0';
        if (d == 1000)
            accepted(deep);
        else
            refused(deep, "nested more than 1000 deep");
    }
}

static void strings_and_numbers(void)
{
    const char *doc = "[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"\\u00e9\\u20ac\\ud83d\\ude00\", \"caf\xe9\", 1e400, -2.5]";
    struct ccx_jr j;
    const char *s;
    size_t len;
    double v;
    ccx_jr_init_mem(&j, doc, strlen(doc));
    CHECK(ccx_jr_array(&j) == 0 && ccx_jr_next(&j) == 1);
    CHECK(ccx_jr_string(&j, &s, &len) == 0 && len == 12 && memcmp(s, "a\"b\\c/d\b\f\n\r\t", 12) == 0);
    CHECK(ccx_jr_next(&j) == 1 && ccx_jr_string(&j, &s, &len) == 0);
    CHECK_STR(s, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    CHECK(ccx_jr_next(&j) == 1 && ccx_jr_string(&j, &s, &len) == 0);
    CHECK_STR(s, "caf\xe9"); /* bytes as they are: the caller escapes */
    CHECK(ccx_jr_next(&j) == 1 && ccx_jr_number(&j, &v) == 0 && isinf(v));
    CHECK(ccx_jr_next(&j) == 1 && ccx_jr_number(&j, &v) == 0 && v == -2.5);
    CHECK(ccx_jr_next(&j) == 0 && ccx_jr_finish(&j) == 0);
    ccx_jr_free(&j);
}

/* A key twice: in a small object, in one past the linear compare (hash
 * index), inside a skipped value, with the path to it. */
static void duplicates(void)
{
    refused("{\"a\":1,\"b\":2,\"a\":3}", "key \"a\" appears twice in the top-level object");
    refused("{\"x\":[{}, {\"k\":{\"q\":1,\"q\":2}}]}", "key \"q\" appears twice in x[1].k");
    char big[4096] = "{";
    for (int i = 0; i < 100; i++)
        snprintf(big + strlen(big), sizeof big - strlen(big), "\"k%d\":%d,", i, i);
    char ok[4200];
    snprintf(ok, sizeof ok, "%s\"end\":0}", big);
    accepted(ok);
    snprintf(ok, sizeof ok, "%s\"k57\":0}", big);
    refused(ok, "key \"k57\" appears twice in the top-level object");
    /* the same key in two objects is fine; so is one after its object closed */
    accepted("{\"a\":{\"a\":{\"a\":1}},\"b\":{\"a\":2}}");
}

/* A tree of the listed members only; the others skipped (still checked). */
static void keep(void)
{
    static const char *const only[] = {"id", "name", NULL};
    const char *doc = "{\"id\":3,\"junk\":{\"deep\":[1,2,3]},\"name\":\"n\",\"more\":\"x\"}";
    struct ccx_jr j;
    ccx_jr_init_mem(&j, doc, strlen(doc));
    cJSON *t = ccx_jr_tree(&j, only);
    CHECK(t != NULL && cJSON_GetArraySize(t) == 2);
    CHECK(t && cJSON_GetObjectItemCaseSensitive(t, "id")->valuedouble == 3);
    CHECK(t && cJSON_GetObjectItemCaseSensitive(t, "junk") == NULL);
    cJSON_Delete(t);
    ccx_jr_free(&j);
    const char *bad = "{\"id\":3,\"junk\":{\"a\":1,\"a\":2}}";
    ccx_jr_init_mem(&j, bad, strlen(bad));
    t = ccx_jr_tree(&j, only);
    CHECK(t == NULL && strstr(j.err, "key \"a\" appears twice in junk"));
    ccx_jr_free(&j);
}

/* Reads DOC's array of strings and numbers back as one line of text. */
static char *echo(struct ccx_jr *j, size_t cap)
{
    char *out = calloc(1, cap), num[64];
    size_t n = 0;
    const char *s;
    size_t len;
    double v;
    if (!out || ccx_jr_array(j) < 0)
        return out;
    while (ccx_jr_next(j) == 1) {
        if (ccx_jr_peek(j) == CCX_JR_STRING && ccx_jr_string(j, &s, &len) == 0 && n + len < cap) {
            memcpy(out + n, s, len);
            n += len;
        } else if (ccx_jr_number(j, &v) == 0) {
            int k = snprintf(num, sizeof num, "|%.17g|", v);
            if (n + (size_t)k < cap) {
                memcpy(out + n, num, (size_t)k);
                n += (size_t)k;
            }
        }
    }
    return out;
}

/* A file of 3 MiB: strings and numbers cut by the 1 MiB windows read the
 * same as from memory. */
static void windows(void)
{
    size_t cap = 3u << 20, n = 0;
    char *doc = malloc(cap + 64);
    doc[n++] = '[';
    for (int i = 0; n < cap; i++) {
        int k = i % 3 == 0 ? snprintf(doc + n, 64, "\"s%d\\u00e9\\n%0*d\",", i, i % 41, i)
                           : snprintf(doc + n, 64, "%d.%de%d,", i, i % 997, i % 5);
        n += (size_t)k;
    }
    doc[n - 1] = ']';
    doc[n] = '\0';
    char path[] = "/tmp/test_jsonread.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0 && write(fd, doc, n) == (ssize_t)n && lseek(fd, 0, SEEK_SET) == 0);
    struct ccx_jr a, b;
    ccx_jr_init_mem(&a, doc, n);
    ccx_jr_init_fd(&b, fd, n);
    char *ea = echo(&a, 2 * cap), *eb = echo(&b, 2 * cap);
    CHECK(!a.failed && !b.failed && ccx_jr_finish(&a) == 0 && ccx_jr_finish(&b) == 0);
    CHECK(ea && eb && strlen(ea) > cap / 2 && strcmp(ea, eb) == 0);
    free(ea);
    free(eb);
    ccx_jr_free(&a);
    ccx_jr_free(&b);
    /* a file shorter than its size said: shrank while reading */
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    ccx_jr_init_fd(&b, fd, n + 10);
    CHECK(ccx_jr_skip(&b) < 0 || ccx_jr_finish(&b) < 0);
    CHECK_MSG(strstr(b.err, "file shrank while reading"), "%s", b.err);
    ccx_jr_free(&b);
    close(fd);
    unlink(path);
    free(doc);
}

int main(void)
{
    grammar();
    strings_and_numbers();
    duplicates();
    keep();
    windows();
    return check_done();
}

/* test_snapshot.c - the snapshot reader: a valid snapshot with fields it
 * does not know, symbolic identity across runs, and every kind of bad input
 * rejected with one clear message. */
#include "../check.h"
#include "frames.h"
#include "snapshot.h"
#include "textsafe.h"

#include <stdlib.h>

static const char *good_fmt =
    "{\"format\":\"ccxtrace-snapshot\",\"version\":1,\"host\":\"h\",\"pid\":%d,\"start_time\":100,"
    "\"exe\":\"/usr/bin/python3\",\"cmdline\":\"python3 a.py\",\"seq\":2,\"reason\":\"signal\",\"label\":null,"
    "\"time\":\"2026-11-26T22:40:00Z\",\"uptime_s\":12.5,\"new_top_level\":{\"a\":[1,2,{\"b\":null}]},"
    "\"sampling\":{\"mode\":\"sample\",\"interval_bytes\":524288,\"extra\":1},"
    "\"totals\":{\"alloc_calls\":10,\"free_calls\":5,\"alloc_bytes\":1000,\"free_bytes\":500,\"live_bytes\":3000000,\"live_blocks\":7},"
    "\"process\":{\"rss_bytes\":1000000,\"heap\":{\"uordblks\":300,\"hblkhd\":700,\"arena\":5}},"
    "\"python\":{\"version\":\"3.11.2\",\"gc\":{\"count\":[1,2,3],\"threshold\":[700,10,10],"
    "\"stats\":[{\"collections\":5,\"collected\":6,\"uncollectable\":0},{\"collections\":1,\"collected\":0,\"uncollectable\":0},{\"collections\":0,\"collected\":0,\"uncollectable\":0}]},"
    "\"types\":[{\"name\":\"Broker\",\"count\":3,\"bytes\":168}],\"census_ms\":1.5,"
    "\"after_collect\":{\"collected\":2,\"types\":[{\"name\":\"Broker\",\"count\":1,\"bytes\":56}]}},"
    "\"modules\":[{\"id\":1,\"path\":\"/lib/libc.so.6\",\"base\":\"%s\"},{\"id\":0,\"path\":\"/usr/lib/libpython3.11.so\",\"base\":\"0x1\"}],"
    "\"frames\":[{\"id\":2,\"kind\":\"python\",\"file\":\"/app/x.py\",\"function\":\"f\",\"line\":42,\"future\":true},"
    "{\"id\":0,\"kind\":\"native\",\"module\":1,\"offset\":\"%s\",\"symbol\":\"malloc\",\"symbol_offset\":16},"
    "{\"id\":1,\"kind\":\"native\",\"module\":0,\"offset\":\"0x99\",\"symbol\":\"PyList_Append\",\"symbol_offset\":3}],"
    "\"stacks\":[{\"id\":0,\"frames\":[0,1,2]},{\"id\":1,\"frames\":[0,1]}],"
    "\"sites\":[{\"stack\":0,\"layer\":\"python\",\"live_bytes\":2000000,\"live_blocks\":5,\"live_samples\":4,\"alloc_bytes\":1,\"alloc_calls\":1,\"zz\":[]},"
    "{\"stack\":1,\"layer\":\"libc\",\"live_bytes\":1000000,\"live_blocks\":2,\"live_samples\":2}]}";

static char *good(int pid, const char *base, const char *off)
{
    size_t n = strlen(good_fmt) + 128;
    char *b = malloc(n);
    snprintf(b, n, good_fmt, pid, base, off);
    return b;
}

static void parse_ok(void)
{
    char *doc = good(42, "0x7f0000000000", "0x1234");
    struct ccx_snap s;
    char err[256] = "";
    int rc = ccx_snap_parse(doc, strlen(doc), "good.json", &s, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    if (rc == 0) {
        CHECK_EQ_INT(s.pid, 42);
        CHECK_STR(ccx_str(&s, s.exe), "/usr/bin/python3");
        CHECK(s.sample_mode == 1 && s.interval == 524288);
        CHECK_EQ_INT(s.nsites, 2);
        CHECK_EQ_INT(s.nframes, 3);
        CHECK_EQ_INT(s.sites[0].layer, CCX_L_PYTHON);
        CHECK_EQ_U64(s.sites[0].live_bytes, 2000000);
        CHECK_EQ_U64(s.sites[0].live_samples, 4);
        CHECK_EQ_INT(s.stack_len[0], 3);
        CHECK(s.heap_in_use == 1000);
        CHECK(s.time > 1.79e9 && s.time < 1.8e9);
        /* frames by id, not by position */
        CHECK_STR(ccx_str(&s, s.frames[2].file), "/app/x.py");
        CHECK_EQ_INT(s.frames[2].line, 42);
        CHECK_STR(ccx_str(&s, s.frames[1].module_name), "libpython3.11.so");
        CHECK(s.frames[0].skip && !s.frames[1].skip);
        /* grouping: the leaf-most python frame; without one, the first non-allocator native frame */
        CHECK_EQ_INT(ccx_stack_key_frame(&s, 0), 2);
        CHECK_EQ_INT(ccx_stack_key_frame(&s, 1), 1);
        char lab[256];
        ccx_site_group(&s, &s.sites[1], CCX_BY_FUNCTION, lab, sizeof lab);
        CHECK_STR(lab, "PyList_Append (libpython3.11.so)");
        ccx_site_group(&s, &s.sites[0], CCX_BY_LINE, lab, sizeof lab);
        CHECK_STR(lab, "/app/x.py:42 f");
        CHECK(s.py.present && s.py.has_after && s.py.types.ntypes == 1 && s.py.after.ntypes == 1);
        CHECK(s.py.gc_collections[0] == 5 && s.py.gc_count[2] == 3);
        ccx_snap_free(&s);
    }
    /* same symbols at other addresses in another process: same site keys */
    char *doc2 = good(77, "0x7fabc0000000", "0x9999");
    struct ccx_snap a, b;
    if (ccx_snap_parse(doc, strlen(doc), "a", &a, err, sizeof err) == 0) {
        if (ccx_snap_parse(doc2, strlen(doc2), "b", &b, err, sizeof err) == 0) {
            CHECK(a.sites[0].key == b.sites[0].key && a.sites[1].key == b.sites[1].key);
            CHECK(a.sites[0].key != a.sites[1].key);
            ccx_snap_free(&b);
        } else {
            CHECK_MSG(0, "%s", err);
        }
        ccx_snap_free(&a);
    }
    free(doc);
    free(doc2);
}

/* Replaces the first occurrence of `from` in the good document by `to`
 * and expects the reader to fail with a message containing `want`. */
static void bad(const char *from, const char *to, const char *want)
{
    char *doc = good(1, "0x1", "0x2");
    char *p = strstr(doc, from);
    CHECK_MSG(p != NULL, "pattern %s not in the document", from);
    if (!p) {
        free(doc);
        return;
    }
    size_t n = strlen(doc) - strlen(from) + strlen(to) + 1;
    char *m = malloc(n);
    snprintf(m, n, "%.*s%s%s", (int)(p - doc), doc, to, p + strlen(from));
    struct ccx_snap s;
    char err[256] = "";
    int rc = ccx_snap_parse(m, strlen(m), "bad.json", &s, err, sizeof err);
    CHECK_MSG(rc == -1, "accepted a document with %s -> %s", from, to);
    CHECK_MSG(strstr(err, want) != NULL, "%s -> %s: message \"%s\" lacks \"%s\"", from, to, err, want);
    CHECK_MSG(strchr(err, '\n') == NULL, "one line: %s", err);
    if (rc == 0)
        ccx_snap_free(&s);
    free(m);
    free(doc);
}

static void raw_bad(const char *doc, size_t len, const char *want)
{
    struct ccx_snap s;
    char err[256] = "";
    int rc = ccx_snap_parse(doc, len, "raw.json", &s, err, sizeof err);
    CHECK_MSG(rc == -1 && strstr(err, want), "\"%.30s\": rc %d, message \"%s\", want \"%s\"", doc, rc, err, want);
    if (rc == 0)
        ccx_snap_free(&s);
}

/* Parses DOC, which must be accepted; returns 0 with *s filled. */
static int parse_good(const char *doc, struct ccx_snap *s)
{
    char err[256] = "";
    int rc = ccx_snap_parse(doc, strlen(doc), "ok.json", s, err, sizeof err);
    CHECK_MSG(rc == 0, "refused \"%.60s...\": %s", doc, err);
    return rc;
}

/* The four arrays in another order, and after the sections they depend
 * on: sites first, modules last, "format" at the very end, stacks in
 * reverse order.  The reader keeps every id raw until the end: the same
 * snapshot as the usual order. */
static void any_order(void)
{
    const char *doc =
        "{\"sites\":[{\"stack\":0,\"layer\":\"python\",\"live_bytes\":2000000,\"live_blocks\":5,\"live_samples\":4,\"alloc_bytes\":1,\"alloc_calls\":1,\"zz\":[]},"
        "{\"stack\":1,\"layer\":\"libc\",\"live_bytes\":1000000,\"live_blocks\":2,\"live_samples\":2}],"
        "\"stacks\":[{\"frames\":[0,1],\"id\":1},{\"id\":0,\"frames\":[0,1,2]}],"
        "\"frames\":[{\"id\":1,\"kind\":\"native\",\"module\":0,\"offset\":\"0x99\",\"symbol\":\"PyList_Append\",\"symbol_offset\":3},"
        "{\"id\":2,\"kind\":\"python\",\"file\":\"/app/x.py\",\"function\":\"f\",\"line\":42,\"future\":true},"
        "{\"module\":1,\"offset\":\"0x1234\",\"symbol\":\"malloc\",\"symbol_offset\":16,\"kind\":\"native\",\"id\":0}],"
        "\"modules\":[{\"id\":0,\"path\":\"/usr/lib/libpython3.11.so\",\"base\":\"0x1\"},{\"id\":1,\"path\":\"/lib/libc.so.6\",\"base\":\"0x7f0000000000\"}],"
        "\"sampling\":{\"mode\":\"sample\",\"interval_bytes\":524288,\"extra\":1},"
        "\"version\":1,\"host\":\"h\",\"pid\":42,\"start_time\":100,\"time\":\"2026-11-26T22:40:00Z\","
        "\"format\":\"ccxtrace-snapshot\"}";
    char *usual = good(42, "0x7f0000000000", "0x1234");
    struct ccx_snap a, b;
    if (parse_good(doc, &a) == 0) {
        if (parse_good(usual, &b) == 0) {
            CHECK_EQ_INT(a.nsites, 2);
            CHECK_EQ_INT(a.nframes, 3);
            CHECK(a.nsites == b.nsites && a.nframes == b.nframes && a.nstacks == b.nstacks);
            for (size_t i = 0; i < a.nsites && i < b.nsites; i++)
                CHECK_MSG(a.sites[i].key == b.sites[i].key && a.sites[i].stack == b.sites[i].stack &&
                          a.sites[i].live_bytes == b.sites[i].live_bytes, "site %zu", i);
            for (size_t i = 0; i < a.nframes && i < b.nframes; i++)
                CHECK_MSG(a.frames[i].hash == b.frames[i].hash && a.frames[i].skip == b.frames[i].skip,
                          "frame %zu", i);
            for (size_t i = 0; i < a.nstacks && i < b.nstacks; i++)
                CHECK_MSG(a.stack_hash[i] == b.stack_hash[i] && a.stack_len[i] == b.stack_len[i], "stack %zu", i);
            CHECK_STR(ccx_str(&a, a.frames[1].module_name), "libpython3.11.so");
            CHECK_EQ_INT(ccx_stack_key_frame(&a, 0), 2);
            ccx_snap_free(&b);
        }
        ccx_snap_free(&a);
    }
    free(usual);
    /* a table referring to one that comes later is checked at the end, by
     * the referring element's position */
    raw_bad("{\"sites\":[{\"stack\":0},{\"stack\":5}],\"stacks\":[{\"id\":0,\"frames\":[]}],"
            "\"sampling\":{\"mode\":\"all\"},\"format\":\"ccxtrace-snapshot\",\"version\":1}",
            strlen("{\"sites\":[{\"stack\":0},{\"stack\":5}],\"stacks\":[{\"id\":0,\"frames\":[]}],"
                   "\"sampling\":{\"mode\":\"all\"},\"format\":\"ccxtrace-snapshot\",\"version\":1}"),
            "site 1: \"stack\" 5 is out of range (0..0)");
    /* another file's format is told before its arrays are read */
    const char *other = "{\"format\":\"memray\",\"sites\":7}";
    raw_bad(other, strlen(other), "format \"memray\" is not");
}

/* A document followed by more than whitespace, or by a second document. */
static void trailing(void)
{
    char *doc = good(1, "0x1", "0x2");
    size_t n = strlen(doc);
    char *two = malloc(2 * n + 16);
    struct ccx_snap s;
    snprintf(two, 2 * n + 16, "%s \n\t\r\n", doc);
    if (parse_good(two, &s) == 0) /* whitespace is fine */
        ccx_snap_free(&s);
    snprintf(two, 2 * n + 16, "%s garbage", doc);
    raw_bad(two, strlen(two), "trailing data after the JSON document");
    snprintf(two, 2 * n + 16, "%s\n%s", doc, doc);
    raw_bad(two, strlen(two), "a second document");
    snprintf(two, 2 * n + 16, "%s]", doc);
    raw_bad(two, strlen(two), "1 bytes of trailing data");
    memcpy(two, doc, n); /* a NUL after the document is data too */
    two[n] = '\0';
    two[n + 1] = 'x';
    raw_bad(two, n + 2, "trailing data");
    free(two);
    free(doc);
}

/* Strings from the traced process are kept escaped (textsafe.h): what the
 * reader hands on is valid UTF-8 without control characters. */
static void escapes(void)
{
    const char *from[] = {"\"python3 a.py\"", "\"/app/x.py\"", "\"function\":\"f\"", "\"name\":\"Broker\",\"count\":3"};
    const char *to[] = {"\"python3 \\u001b[2J a.py \xff\xfe caf\xc3\xa9\"", "\"/app/\xc2\x9b" "31mx.py\"",
                        "\"function\":\"f\\nthen\\u0007\"", "\"name\":\"Bro\xed\xa0\x80ker\",\"count\":3"};
    char *doc = good(1, "0x1", "0x2");
    for (int i = 0; i < 4; i++) {
        char *p = strstr(doc, from[i]);
        CHECK_MSG(p != NULL, "%s not in the document", from[i]);
        if (!p)
            break;
        size_t n = strlen(doc) - strlen(from[i]) + strlen(to[i]) + 1;
        char *m = malloc(n);
        snprintf(m, n, "%.*s%s%s", (int)(p - doc), doc, to[i], p + strlen(from[i]));
        free(doc);
        doc = m;
    }
    struct ccx_snap s;
    if (parse_good(doc, &s) == 0) {
        CHECK_STR(ccx_str(&s, s.cmdline), "python3 \\x1b[2J a.py \\xff\\xfe caf\xc3\xa9");
        CHECK_STR(ccx_str(&s, s.frames[2].file), "/app/\\u009b31mx.py");
        CHECK_STR(ccx_str(&s, s.frames[2].name), "f\\x0athen\\x07");
        CHECK_STR(ccx_str(&s, s.py.types.types[0].name), "Bro\\xed\\xa0\\x80ker");
        ccx_snap_free(&s);
    }
    free(doc);
    /* a label cut to fit its buffer never ends inside a character (JSON
     * output must stay valid UTF-8): a function name of 300 x U+20AC */
    char fn[1024] = "\"function\":\"";
    for (int i = 0; i < 300; i++)
        strcat(fn, "\xe2\x82\xac");
    strcat(fn, "\"");
    doc = good(1, "0x1", "0x2");
    char *p = strstr(doc, "\"function\":\"f\"");
    CHECK(p != NULL);
    if (!p) {
        free(doc);
        return;
    }
    size_t n = strlen(doc) + strlen(fn) + 1;
    char *m = malloc(n);
    snprintf(m, n, "%.*s%s%s", (int)(p - doc), doc, fn, p + strlen("\"function\":\"f\""));
    if (parse_good(m, &s) == 0) {
        for (size_t len = 20; len < 40; len++) {
            char lab[64];
            ccx_frame_format(&s, &s.frames[2], lab, len);
            CHECK_MSG(ccx_is_safe(lab), "frame label cut to %zu bytes: \"%s\"", len, lab);
            ccx_site_group(&s, &s.sites[0], CCX_BY_FUNCTION, lab, len);
            CHECK_MSG(ccx_is_safe(lab), "function label cut to %zu bytes: \"%s\"", len, lab);
        }
        ccx_snap_free(&s);
    }
    free(m);
    free(doc);
    /* the file name the snapshot was read from, too */
    doc = good(1, "0x1", "0x2");
    char err[256];
    if (ccx_snap_parse(doc, strlen(doc), "dir/\x1b[31mccxtrace.json", &s, err, sizeof err) == 0) {
        CHECK_STR(s.path, "dir/\\x1b[31mccxtrace.json");
        ccx_snap_free(&s);
    }
    free(doc);
}

/* Time stamps: the snapshot's strict form and other tools' CSV stamps. */
static void utc(void)
{
    double t = -1;
    CHECK(ccx_parse_utc("2026-11-26T22:40:00Z", 0, &t) == 0 && t == 1795732800.0);
    CHECK(ccx_parse_utc("2026-11-26T22:40:00.25Z", 0, &t) == 0 && t == 1795732800.25);
    CHECK(ccx_parse_utc("2026-11-26T22:40:00+00:00", 0, &t) == 0 && t == 1795732800.0);
    CHECK(ccx_parse_utc("2026-11-26T22:40:00", 0, &t) == 0 && t == 1795732800.0);
    CHECK(ccx_parse_utc("2026-11-26 22:40:00", 0, &t) == -1);   /* strict: T only */
    CHECK(ccx_parse_utc("2026-11-26T22:40:00+01:00", 0, &t) == -1);
    CHECK(ccx_parse_utc("2025-12-11 09:10:22", 1, &t) == 0 && t == 1765444222.0);
    CHECK(ccx_parse_utc("2025-12-11T09:10:22Z", 1, &t) == 0 && t == 1765444222.0);
    CHECK(ccx_parse_utc("2025-13-11 09:10:22", 1, &t) == -1);
    CHECK(ccx_parse_utc("2025-12-11 24:10:22", 1, &t) == -1);
    CHECK(ccx_parse_utc("2025-12-11_09:10:22", 1, &t) == -1);
    CHECK(ccx_parse_utc("yesterday", 1, &t) == -1);
}

int main(void)
{
    utc();
    parse_ok();
    raw_bad("", 0, "empty file");
    raw_bad("{\"format\":\"ccxtrace-snapshot\",\"vers", 34, "truncated JSON");
    raw_bad("{\"format\" 1}", 12, "invalid JSON at byte");
    raw_bad("[1,2]", 5, "not a JSON object");
    raw_bad("{\"a\":1}", 7, "not a ccxtrace snapshot");
    char *doc = good(1, "0x1", "0x2");
    raw_bad(doc, strlen(doc) / 2, "truncated JSON");
    free(doc);
    bad("\"ccxtrace-snapshot\"", "\"heaptrack\"", "format \"heaptrack\" is not");
    bad("\"ccxtrace-snapshot\"", "\"two\\nlines\"", "format \"two?lines\" is not"); /* found by the fuzzer */
    bad("\"version\":1", "\"version\":2", "newer");
    bad("\"version\":1", "\"version\":\"1\"", "version");
    bad("\"pid\":1", "\"pid\":\"1\"", "\"pid\" is not a number");
    bad("\"live_bytes\":2000000", "\"live_bytes\":-5", "negative");
    bad("\"live_bytes\":2000000", "\"live_bytes\":1e300", "absurdly large");
    bad("\"frames\":[0,1,2]", "\"frames\":[0,1,7]", "out of range");
    bad("\"frames\":[0,1,2]", "\"frames\":[0,-1,2]", "out of range");
    bad("\"frames\":[0,1,2]", "\"frames\":[0,1.5,2]", "out of range");
    bad("\"frames\":[0,1,2]", "\"frames\":\"0,1\"", "no \"frames\" array");
    bad("{\"stack\":1,", "{\"stack\":9,", "site 1: \"stack\" 9 is out of range");
    bad("{\"id\":0,\"kind\":\"native\"", "{\"id\":2,\"kind\":\"native\"", "frame id 2 appears twice");
    bad("{\"id\":1,\"frames\":[0,1]}", "{\"id\":0,\"frames\":[0,1]}", "stack id 0 appears twice");
    bad("{\"id\":1,\"frames\":[0,1]}", "7", "stack 1 is not an object");
    bad("\"module\":1,", "\"module\":5,", "out of range");
    bad("\"kind\":\"python\"", "\"kind\":\"java\"", "unknown kind");
    bad("\"sites\":[", "\"sites\":{\"x\":1},\"old\":[", "\"sites\" is not an array");
    bad("\"sampling\":{", "\"sampling\":[],\"s\":{", "\"sampling\" is not an object");
    bad("\"mode\":\"sample\"", "\"mode\":\"some\"", "sampling mode");
    bad("\"interval_bytes\":524288", "\"interval_bytes\":0", "no positive");
    bad("\"time\":\"2026-11-26T22:40:00Z\"", "\"time\":\"yesterday\"", "ISO 8601");
    bad("\"types\":[{\"name\":\"Broker\"", "\"types\":[{\"nom\":\"Broker\"", "no \"name\"");
    bad("\"count\":[1,2,3]", "\"count\":[1,\"x\",3]", "bad value");
    bad("\"offset\":\"0x2\"", "\"offset\":\"zz\"", "not a hex number");
    trailing();
    escapes();
    any_order();
    /* a key given twice: cJSON would keep both and lookups see the first */
    bad("\"sites\":[", "\"sites\":[],\"sites\":[", "key \"sites\" appears twice in the top-level object");
    bad("{\"stack\":1,", "{\"stack\":1,\"live_bytes\":0,", "key \"live_bytes\" appears twice in sites[1]");
    bad("\"mode\":\"sample\"", "\"mode\":\"all\",\"mode\":\"sample\"", "key \"mode\" appears twice in sampling");
    bad("\"arena\":5", "\"arena\":5,\"arena\":6", "appears twice in process.heap");
    bad("\"future\":true", "\"future\":{\"a\":1,\"a\":2}", "key \"a\" appears twice in frames[0].future");
    /* in a top-level member the reader does not know (skipped unbuilt) */
    bad("\"b\":null", "\"b\":null,\"b\":1", "key \"b\" appears twice in new_top_level.a[2]");
    /* required: "sites", and "sampling" with its mode (else a sampled
     * snapshot would pass for an exact one) */
    bad("\"sites\":[", "\"old_sites\":[", "no \"sites\" array");
    bad("\"sites\":[", "\"sites\":null,\"x\":[", "no \"sites\" array");
    bad("\"sampling\":{", "\"sampling_x\":{", "no \"sampling\" object");
    bad("\"mode\":\"sample\",", "", "sampling has no \"mode\" string");
    /* numbers beyond a double: cJSON makes 1e400 inf */
    bad("\"live_bytes\":2000000", "\"live_bytes\":1e400", "site 0: \"live_bytes\" is out of range");
    bad("\"live_bytes\":2000000", "\"live_bytes\":-1e400", "site 0: \"live_bytes\" is out of range");
    bad("\"rss_bytes\":1000000", "\"rss_bytes\":1e999", "process \"rss_bytes\" is out of range");
    bad("\"version\":1", "\"version\":1e400", "format version is out of range");
    return check_done();
}

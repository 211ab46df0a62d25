/* test_holders.c - python.holders in the analyzer (analyzer/holders.c):
 * a snapshot with holders read through the snapshot reader, identical
 * paths collapsed (indices and keys aside, other labels and root kinds
 * kept apart), the printed section, and malformed holders rejected with
 * one clear message. */
#include "../check.h"
#include "holders.h"
#include "snapshot.h"

#include <stdlib.h>

#define HEAD "{\"format\":\"ccxtrace-snapshot\",\"version\":1,\"host\":\"h\",\"pid\":1,\"start_time\":100," \
             "\"seq\":2,\"uptime_s\":1,\"sampling\":{\"mode\":\"all\",\"interval_bytes\":0},\"python\":{\"version\":\"3.11.2\",\"holders\":"
#define TAIL "},\"modules\":[],\"frames\":[],\"stacks\":[],\"sites\":[]}"

#define ROOT "{\"type\":\"dict\",\"via\":\"root\",\"label\":\"sys.modules\",\"repr\":\"sys.modules (9 modules)\",\"refs\":1}"
#define MOD "{\"type\":\"module\",\"via\":\"key\",\"label\":\"mon\",\"repr\":\"module 'mon'\"}"
#define LIST "{\"type\":\"list\",\"via\":\"global\",\"label\":\"_errors\",\"repr\":\"list of 5 items\"}"
#define EXC(i) "{\"type\":\"ValueError\",\"via\":\"index\",\"label\":\"" #i "\",\"repr\":\"ValueError: x\"}"
#define REST "{\"type\":\"traceback\",\"via\":\"attribute\",\"label\":\"__traceback__\",\"repr\":null}," \
             "{\"type\":\"frame\",\"via\":\"attribute\",\"label\":\"tb_frame\",\"repr\":\"frame of run\"}," \
             "{\"type\":\"Broker\",\"via\":\"local\",\"label\":\"broker\",\"repr\":\"Broker object\"}"
#define LOCAL2 "{\"type\":\"Broker\",\"via\":\"local\",\"label\":\"other\",\"repr\":\"Broker object\"}"

static const char *doc =
    HEAD "{\"objects\":1000,\"edges\":2000,\"roots\":30,\"samples\":5,\"graph_ms\":1.5,\"search_ms\":2.5,\"future\":7,"
    "\"types\":[{\"name\":\"Broker\",\"why\":\"named\",\"count\":40,\"growth\":30,\"examined\":5,\"garbage\":1,"
    "\"search_ms\":0.5,\"paths\":["
    "[" ROOT "," MOD "," LIST "," EXC(3) "," REST "],"
    "[" ROOT "," MOD "," LIST "," EXC(7) "," REST "],"
    "[" ROOT "," MOD "," LIST "," EXC(3) "," REST "],"
    "[" ROOT "," MOD "," LIST "," EXC(3) ","
    "{\"type\":\"traceback\",\"via\":\"attribute\",\"label\":\"__traceback__\",\"repr\":null},"
    "{\"type\":\"frame\",\"via\":\"attribute\",\"label\":\"tb_frame\",\"repr\":\"frame of run\"}," LOCAL2 "]]},"
    "{\"name\":\"Holder\",\"why\":\"growth\",\"count\":3,\"growth\":null,\"examined\":3,\"garbage\":0,\"paths\":["
    "[{\"type\":\"Holder\",\"via\":\"root\",\"label\":\"external reference\",\"repr\":\"Holder object\",\"refs\":1}],"
    "[{\"type\":\"Holder\",\"via\":\"root\",\"label\":\"running frame local\",\"repr\":\"Holder object\",\"refs\":1,"
    "\"detail\":\"h in main (a.py:3)\"}],"
    "[{\"type\":\"Holder\",\"via\":\"root\",\"label\":\"external reference\",\"repr\":\"Holder object\",\"refs\":1}]]}]}" TAIL;

static void parse_and_group(void)
{
    struct ccx_snap s;
    char err[256] = "";
    int rc = ccx_snap_parse(doc, strlen(doc), "t.json", &s, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    if (rc != 0)
        return;
    const struct ccx_holders *h = s.py.holders;
    CHECK(h != NULL);
    if (!h) {
        ccx_snap_free(&s);
        return;
    }
    CHECK_NEAR(h->objects, 1000, 0);
    CHECK_NEAR(h->search_ms, 2.5, 1e-9);
    CHECK_EQ_INT(h->ntypes, 2);
    const struct ccx_hold_type *b = &h->types[0];
    CHECK_STR(b->name, "Broker");
    CHECK_STR(b->why, "named");
    CHECK(b->has_growth);
    CHECK_NEAR(b->growth, 30, 0);
    CHECK_NEAR(b->garbage, 1, 0);
    CHECK_EQ_INT(b->npaths, 4);
    CHECK_EQ_INT(b->paths[0].n, 7);
    CHECK(b->paths[0].e[4].repr == NULL);
    CHECK_NEAR(b->paths[0].e[0].refs, 1, 0);
    CHECK_NEAR(b->paths[0].e[1].refs, -1, 0);
    struct ccx_hold_group g[4];
    size_t ng = ccx_holders_groups(b, g);
    /* three paths differ only by the list index; the fourth by a local name */
    CHECK_EQ_INT(ng, 2);
    CHECK_EQ_INT(g[0].count, 3);
    CHECK(g[0].labels_vary);
    CHECK(g[0].path == &b->paths[0]);
    CHECK_EQ_INT(g[1].count, 1);
    CHECK(!g[1].labels_vary);
    const struct ccx_hold_type *ho = &h->types[1];
    CHECK(!ho->has_growth);
    ng = ccx_holders_groups(ho, g);
    /* different root kinds are different holders */
    CHECK_EQ_INT(ng, 2);
    CHECK_EQ_INT(g[0].count, 2);
    CHECK_STR(g[0].path->e[0].label, "external reference");
    CHECK_STR(g[1].path->e[0].detail, "h in main (a.py:3)");

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ccx_holders_print(f, h, "/d/t.json", 0);
    fclose(f);
    CHECK(strstr(buf, "Who holds them (python.holders in t.json)") != NULL);
    CHECK(strstr(buf, "3 of 5 Broker instances: held by") != NULL);
    CHECK(strstr(buf, "1 of 5 Broker instances: cyclic garbage") != NULL);
    CHECK(strstr(buf, "._errors") != NULL);
    CHECK(strstr(buf, "local broker") != NULL);
    CHECK(strstr(buf, "[3]") != NULL);
    CHECK(strstr(buf, "root: running frame local (h in main (a.py:3))") != NULL);
    free(buf);

    cJSON *j = ccx_holders_json(h, "t.json");
    char *txt = cJSON_PrintUnformatted(j);
    CHECK(strstr(txt, "\"groups\":[{\"instances\":3,\"labels_vary\":true,\"path\":[{\"type\":\"dict\"") != NULL);
    cJSON_free(txt);
    cJSON_Delete(j);
    ccx_snap_free(&s);
}

static void bad(const char *holders, const char *want)
{
    char *d = malloc(strlen(holders) + 512);
    sprintf(d, HEAD "%s" TAIL, holders);
    struct ccx_snap s;
    char err[256] = "";
    int rc = ccx_snap_parse(d, strlen(d), "b.json", &s, err, sizeof err);
    CHECK_MSG(rc == -1, "accepted: %s", holders);
    CHECK_MSG(strstr(err, want) != NULL, "message \"%s\" lacks \"%s\"", err, want);
    CHECK_MSG(strchr(err, '\n') == NULL, "two lines: %s", err);
    if (rc == 0)
        ccx_snap_free(&s);
    free(d);
}

int main(void)
{
    parse_and_group();
    bad("[]", "python holders: is not an object");
    bad("{\"types\":{}}", "\"types\" is not an array");
    bad("{\"types\":[{\"count\":1}]}", "no \"name\" string");
    bad("{\"objects\":\"many\"}", "wrong type");
    bad("{\"types\":[{\"name\":\"B\",\"examined\":1,\"garbage\":2}]}", "more garbage than");
    bad("{\"types\":[{\"name\":\"B\",\"paths\":[[]]}]}", "a path is empty");
    bad("{\"types\":[{\"name\":\"B\",\"paths\":[[{\"type\":\"B\"}]]}]}", "no \"type\" or \"via\"");
    bad("{\"types\":[{\"name\":\"B\",\"paths\":[[{\"type\":\"B\",\"via\":\"root\",\"refs\":\"x\"}]]}]}", "wrong type");
    /* null holders: ignored */
    const char *n = HEAD "null" TAIL;
    struct ccx_snap s;
    char err[256] = "";
    CHECK_EQ_INT(ccx_snap_parse(n, strlen(n), "n.json", &s, err, sizeof err), 0);
    CHECK(s.py.holders == NULL);
    ccx_snap_free(&s);
    return check_done();
}

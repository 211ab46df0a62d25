/* test_group.c - the fleet's bookkeeping: a process's command (executable
 * and script), the quick identity scan of a snapshot (scan.c: nested
 * values, strings with braces and escapes, instance_id present or not,
 * malformed input), and processes, groups and lineages (group.c: a
 * restart continues its host's lineage with span weights, an overlapping
 * process starts another, a one-snapshot process is left out with its
 * reason, --cmd keeps the matching ones, --group-by host). */
#include "../check.h"
#include "group.h"
#include "scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

static void command(const char *exe, const char *cl, const char *want)
{
    char *c = ccx_command_of(exe, cl);
    CHECK_MSG(c && !strcmp(c, want), "%s | %s -> %s, want %s", exe ? exe : "(null)", cl ? cl : "(null)",
              c ? c : "(null)", want);
    free(c);
}

static void commands(void)
{
    command("/usr/bin/python3.11", "python3 app.py --queue q1", "/usr/bin/python3.11 app.py");
    command("/usr/bin/python3.11", "python3 -u -X dev app.py", "/usr/bin/python3.11 app.py");
    command("/usr/bin/python3.11", "python3 -u -m insights_messaging config.yaml",
            "/usr/bin/python3.11 -m insights_messaging");
    command("/usr/bin/python3.11", "python3 -c import gc; print(1)", "/usr/bin/python3.11 -c");
    command("/usr/bin/python3.11", "python3", "/usr/bin/python3.11");
    command("/usr/bin/python3.11", NULL, "/usr/bin/python3.11");
    command(NULL, "x y", "? y");
}

static void scan(void)
{
    const char *doc =
        "{\"format\":\"ccxtrace-snapshot\",\"nested\":{\"host\":\"not-me\",\"a\":[1,{\"b\":\"}]\\\"\"}]},"
        "\"host\":\"pod\\\"x\",\"pid\":7,\"start_time\":1795740000,\"instance_id\":\"0123abcd\","
        "\"exe\":\"/usr/bin/python3\",\"cmdline\":\"python3 a.py\",\"seq\":3,"
        "\"time\":\"2026-11-27T00:00:10Z\",\"uptime_s\":10.5,\"sites\":[{\"x\":\"{\"}]}";
    struct ccx_ident id = {0};
    CHECK_EQ_INT(ccx_ident_scan_buf(doc, strlen(doc), &id), 0);
    CHECK(id.host && !strcmp(id.host, "pod\"x"));
    CHECK(id.instance && !strcmp(id.instance, "0123abcd"));
    CHECK(id.cmdline && !strcmp(id.cmdline, "python3 a.py"));
    CHECK(id.pid == 7 && id.seq == 3 && id.uptime_s == 10.5 && id.start_time == 1795740000);
    CHECK_MSG(id.time == 1795737610, "time %f (from the time stamp, not start + uptime)", id.time);
    ccx_ident_free(&id);
    /* an older tracer: no instance_id, no time string */
    const char *old = "{\"host\":\"h\",\"pid\":1,\"start_time\":100,\"uptime_s\":5,\"instance_id\":null}";
    CHECK_EQ_INT(ccx_ident_scan_buf(old, strlen(old), &id), 0);
    CHECK(id.instance == NULL && id.time == 105);
    ccx_ident_free(&id);
    const char *bad[] = {"", "[1,2]", "{\"host\":\"h\",", "{\"host\" 1}", "{\"a\":[1,2}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK_MSG(ccx_ident_scan_buf(bad[i], strlen(bad[i]), &id) < 0, "accepted %s", bad[i]);
        ccx_ident_free(&id);
    }
}

static char dir[] = "/tmp/ccx_test_group.XXXXXX";
static char *paths[32];
static size_t npaths;

static void snap(const char *host, int pid, double start, const char *inst, const char *cl, double up, int seq)
{
    char p[256];
    snprintf(p, sizeof p, "%s/ccxtrace.%s.%d.%s.%d.json", dir, host, pid, inst ? inst : "x", seq);
    FILE *f = fopen(p, "w");
    if (!f)
        return;
    fprintf(f, "{\"host\":\"%s\",\"pid\":%d,\"start_time\":%.0f,", host, pid, start);
    if (inst)
        fprintf(f, "\"instance_id\":\"%s\",", inst);
    fprintf(f, "\"exe\":\"/usr/bin/python3\",\"cmdline\":\"%s\",\"seq\":%d,\"uptime_s\":%.1f}", cl, seq, up);
    fclose(f);
    paths[npaths++] = strdup(p);
}

static const struct ccx_proc *find(const struct ccx_procs *ps, const char *inst)
{
    for (size_t i = 0; i < ps->n; i++)
        if (ps->p[i].id.instance && !strcmp(ps->p[i].id.instance, inst))
            return &ps->p[i];
    return NULL;
}

static void lineages(void)
{
    if (!mkdtemp(dir)) {
        CHECK_MSG(0, "mkdtemp");
        return;
    }
    /* A on h1: 0..100 s; R, its restart on h1: 200..500 s; O on h1 overlaps A;
     * W on h2 (another script); X on h1: one snapshot */
    for (int i = 0; i < 3; i++) {
        snap("h1", 1, 1000, "A", "python3 app.py", 10 + 50.0 * i, i + 1);
        snap("h1", 1, 1150, "R", "python3 app.py", 50 + 150.0 * i, i + 1);
        snap("h1", 1, 1000, "O", "python3 app.py", 20 + 40.0 * i, i + 1);
        snap("h2", 5, 1000, "W", "python3 worker.py", 10 + 30.0 * i, i + 1);
    }
    snap("h1", 9, 1050, "X", "python3 -c pass", 3, 1);
    /* N on h3 starts after O ended (a replacement pod): it continues O's
     * lineage, not A's, whose restart R is still running */
    for (int i = 0; i < 3; i++)
        snap("h3", 1, 1120, "N", "python3 app.py", 10 + 20.0 * i, i + 1);
    struct ccx_procs ps;
    CHECK_EQ_INT(ccx_procs_build(paths, npaths, NULL, CCX_GROUP_CMD, 3, &ps), 0);
    CHECK_EQ_INT(ps.n, 6);
    CHECK_EQ_INT(ps.ng, 3);
    const struct ccx_proc *a = find(&ps, "A"), *r = find(&ps, "R"), *o = find(&ps, "O"), *w = find(&ps, "W"),
                          *x = find(&ps, "X"), *nw = find(&ps, "N");
    if (a && r && o && w && x && nw) {
        CHECK(a->npaths == 3 && a->t_first == 1010 && a->t_last == 1110);
        CHECK(a->group == r->group && a->group == o->group && w->group != a->group && x->group != a->group);
        CHECK_MSG(a->lineage == r->lineage && o->lineage != a->lineage, "lineages A %zu R %zu O %zu", a->lineage,
                  r->lineage, o->lineage);
        CHECK_EQ_INT(ps.g[a->group].nlineage, 2);
        CHECK_MSG(nw->lineage == o->lineage, "N %zu continues O %zu", nw->lineage, o->lineage);
        /* spans 100 and 300: weights 1/4 and 3/4; O (80) and N (40): 2/3 and 1/3 */
        CHECK_MSG(a->weight == 0.25 && r->weight == 0.75 && fabs(o->weight - 2.0 / 3) < 1e-12 &&
                      fabs(nw->weight - 1.0 / 3) < 1e-12,
                  "weights %g %g %g %g", a->weight, r->weight, o->weight, nw->weight);
        CHECK(o->first_of_lineage && !o->last_of_lineage && !nw->first_of_lineage && nw->last_of_lineage);
        CHECK(a->first_of_lineage && !a->last_of_lineage && !r->first_of_lineage && r->last_of_lineage);
        CHECK(x->left_out && !strcmp(x->left_out, "too few snapshots to fit a rate") && !a->left_out);
        CHECK(!strcmp(ps.g[w->group].name, "/usr/bin/python3 worker.py"));
    } else {
        CHECK_MSG(0, "a process is missing");
    }
    ccx_procs_free(&ps);
    /* --cmd keeps the matching processes; matching none is an error */
    CHECK_EQ_INT(ccx_procs_build(paths, npaths, "worker", CCX_GROUP_CMD, 3, &ps), 0);
    CHECK(ps.n == 1 && ps.p[0].id.instance && !strcmp(ps.p[0].id.instance, "W"));
    ccx_procs_free(&ps);
    CHECK_EQ_INT(ccx_procs_build(paths, npaths, "nothing", CCX_GROUP_CMD, 3, &ps), -1);
    /* --group-by host: h1's three app processes and X in one group */
    CHECK_EQ_INT(ccx_procs_build(paths, npaths, NULL, CCX_GROUP_HOST, 3, &ps), 0);
    CHECK_EQ_INT(ps.ng, 3);
    if (ps.ng == 3)
        CHECK(!strcmp(ps.g[0].name, "h1") && ps.g[0].nproc == 4 && ps.g[0].nfit == 3);
    ccx_procs_free(&ps);
    for (size_t i = 0; i < npaths; i++) {
        unlink(paths[i]);
        free(paths[i]);
    }
    rmdir(dir);
}

int main(void)
{
    commands();
    scan();
    lineages();
    return check_done();
}

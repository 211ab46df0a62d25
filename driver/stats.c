/* stats.c - counting a run and printing its summary (stats.h). */
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ccx_units.h"

void drv_stats_init(struct drv_stats *st, uint64_t t0_ns)
{
    memset(st, 0, sizeof *st);
    st->t0_ns = t0_ns;
}

void drv_stats_free(struct drv_stats *st)
{
    free(st->lat_us);
    for (size_t i = 0; i < st->nbodies; i++)
        free(st->bodies[i]);
    free(st->phases);
    for (size_t i = 0; i < st->nsnaps; i++) {
        for (size_t j = 0; j < st->snaps[i].nfiles; j++)
            free(st->snaps[i].files[j]);
        free(st->snaps[i].files);
    }
    free(st->snaps);
    memset(st, 0, sizeof *st);
}

static struct drv_phase *open_phase(struct drv_stats *st)
{
    if (st->nphases && st->phases[st->nphases - 1].end_ns == 0)
        return &st->phases[st->nphases - 1];
    return NULL;
}

void drv_stats_request(struct drv_stats *st, int64_t latency_ns, uint64_t bytes)
{
    st->requests++;
    st->bytes_sent += bytes;
    if (latency_ns < 0)
        return;
    if (st->nlat == st->lat_cap) {
        size_t cap = st->lat_cap ? 2 * st->lat_cap : 4096;
        uint32_t *n = realloc(st->lat_us, cap * sizeof *n);
        if (!n)
            return; /* latency is lost, the counts are not */
        st->lat_us = n;
        st->lat_cap = cap;
    }
    uint64_t us = (uint64_t)latency_ns / 1000;
    st->lat_us[st->nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    struct drv_phase *ph = open_phase(st);
    if (ph)
        ph->lat_to = st->nlat;
}

void drv_stats_upload(struct drv_stats *st, const char *key, int accepted)
{
    st->uploads++;
    if (accepted)
        st->accepted++;
    else
        st->failed++;
    struct drv_phase *ph = open_phase(st);
    if (ph) {
        ph->uploads++;
        if (accepted)
            ph->accepted++;
        else
            ph->failed++;
    }
    for (size_t i = 0; i < st->noutcome; i++)
        if (strcmp(st->outcome[i].key, key) == 0) {
            st->outcome[i].n++;
            return;
        }
    /* More distinct outcomes than slots: the last slot counts the rest. */
    size_t i;
    if (st->noutcome < DRV_MAX_KEYS - 1) {
        i = st->noutcome++;
        snprintf(st->outcome[i].key, sizeof st->outcome[i].key, "%s", key);
    } else {
        i = DRV_MAX_KEYS - 1;
        if (st->noutcome < DRV_MAX_KEYS) {
            snprintf(st->outcome[i].key, sizeof st->outcome[i].key, "other");
            st->noutcome = DRV_MAX_KEYS;
        }
    }
    st->outcome[i].n++;
}

static void add_body(struct drv_stats *st, const char *prefix, const char *body, size_t len)
{
    if (st->nbodies >= DRV_MAX_BODIES)
        return;
    if (len > 300)
        len = 300;
    char *s = malloc(len + 32);
    if (!s)
        return;
    int n = snprintf(s, 32, "%s", prefix);
    for (size_t i = 0; i < len; i++) /* one line, printable */
        s[n + (int)i] = (body[i] == '\n' || body[i] == '\r' || (unsigned char)body[i] < 32) ? ' ' : body[i];
    s[n + (int)len] = '\0';
    for (size_t i = 0; i < st->nbodies; i++)
        if (strcmp(st->bodies[i], s) == 0) { /* distinct answers only */
            free(s);
            return;
        }
    st->bodies[st->nbodies++] = s;
}

void drv_stats_body(struct drv_stats *st, int status, const char *body, size_t len)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "HTTP %d: ", status);
    add_body(st, prefix, body, len);
}

void drv_stats_error(struct drv_stats *st, const char *kind, const char *message)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "%.20s: ", kind);
    add_body(st, prefix, message, strlen(message));
}

void drv_stats_possible_duplicate(struct drv_stats *st)
{
    st->possible_dups++;
}

struct drv_phase *drv_stats_phase_begin(struct drv_stats *st, const char *name, uint64_t now_ns)
{
    struct drv_phase *n = realloc(st->phases, (st->nphases + 1) * sizeof *n);
    if (!n)
        return NULL;
    st->phases = n;
    struct drv_phase *ph = &n[st->nphases++];
    memset(ph, 0, sizeof *ph);
    snprintf(ph->name, sizeof ph->name, "%s", name);
    ph->start_ns = now_ns;
    ph->lat_from = ph->lat_to = st->nlat;
    return ph;
}

void drv_stats_phase_end(struct drv_stats *st, uint64_t now_ns)
{
    struct drv_phase *ph = open_phase(st);
    if (ph)
        ph->end_ns = now_ns > ph->start_ns ? now_ns : ph->start_ns + 1;
}

struct drv_snap *drv_stats_snap(struct drv_stats *st, unsigned seq, const char *phase,
                                uint64_t now_ns)
{
    struct drv_snap *n = realloc(st->snaps, (st->nsnaps + 1) * sizeof *n);
    if (!n)
        return NULL;
    st->snaps = n;
    struct drv_snap *s = &n[st->nsnaps++];
    memset(s, 0, sizeof *s);
    s->seq = seq;
    snprintf(s->phase, sizeof s->phase, "%s", phase);
    s->time_s = (double)(now_ns - st->t0_ns) / 1e9;
    return s;
}

uint32_t drv_percentile(const uint32_t *sorted, size_t n, double p)
{
    if (n == 0)
        return 0;
    double r = p / 100.0 * (double)n;
    size_t rank = (size_t)r;
    if ((double)rank < r)
        rank++; /* ceil */
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

void drv_latency(const struct drv_stats *st, size_t from, size_t to, uint32_t out[4])
{
    memset(out, 0, 4 * sizeof *out);
    if (to > st->nlat)
        to = st->nlat;
    if (from >= to)
        return;
    size_t n = to - from;
    uint32_t *c = malloc(n * sizeof *c);
    if (!c)
        return;
    memcpy(c, st->lat_us + from, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_u32);
    out[0] = drv_percentile(c, n, 50);
    out[1] = drv_percentile(c, n, 90);
    out[2] = drv_percentile(c, n, 99);
    out[3] = c[n - 1];
    free(c);
}

static double secs(uint64_t ns) { return (double)ns / 1e9; }

static const char *const broker_words[3] = {"instances", "exceptions", "tracebacks"};

/* "idle after 3.2 s: received 300, finished 300 (2 failed); broker ..." */
void drv_consumers_text(const struct drv_consumers *c, FILE *f)
{
    if (c->idle)
        fprintf(f, "consumers idle after %.1f s", c->wait_s);
    else
        fprintf(f, "consumers NOT idle after %.1f s", c->wait_s);
    if (c->metrics) {
        fprintf(f, ": received %.0f, finished %.0f (%.0f failed)", c->received, c->finished, c->failed);
        if (!c->idle && isfinite(c->behind))
            fprintf(f, ", %.0f received but not finished", c->behind);
        if (c->expect_all && c->not_received > 0)
            fprintf(f, ", %.0f accepted uploads not received", c->not_received);
        int any = 0;
        for (int k = 0; k < 3; k++)
            if (!isnan(c->broker[k])) {
                fprintf(f, "%s %s %.0f", any ? "," : "; broker", broker_words[k], c->broker[k]);
                any = 1;
            }
    }
    if (!c->idle && c->note[0])
        fprintf(f, " [%s]", c->note);
}

static cJSON *consumers_json(const struct drv_consumers *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "idle", c->idle);
    cJSON_AddNumberToObject(o, "wait_s", c->wait_s);
    if (c->metrics) {
        cJSON_AddNumberToObject(o, "received", c->received);
        cJSON_AddNumberToObject(o, "finished", c->finished);
        cJSON_AddNumberToObject(o, "failed", c->failed);
        if (isfinite(c->behind))
            cJSON_AddNumberToObject(o, "behind", c->behind);
        if (c->expect_all)
            cJSON_AddNumberToObject(o, "not_received", c->not_received);
        cJSON *b = cJSON_AddObjectToObject(o, "broker");
        for (int k = 0; k < 3; k++) {
            if (isfinite(c->broker[k]))
                cJSON_AddNumberToObject(b, broker_words[k], c->broker[k]);
            else if (!isnan(c->broker[k]))
                cJSON_AddNullToObject(b, broker_words[k]);
        }
    }
    if (!c->idle && c->note[0])
        cJSON_AddStringToObject(o, "note", c->note);
    return o;
}

/* Time spent sending (the phases), else the whole run: the rate's base. */
static double sending_s(const struct drv_stats *st, uint64_t now_ns)
{
    double t = 0;
    for (size_t i = 0; i < st->nphases; i++)
        t += secs((st->phases[i].end_ns ? st->phases[i].end_ns : now_ns) - st->phases[i].start_ns);
    return t > 0 ? t : secs(now_ns - st->t0_ns);
}

void drv_summary_text(const struct drv_stats *st, uint64_t now_ns, FILE *f)
{
    double el = secs(now_ns - st->t0_ns), send = sending_s(st, now_ns);
    char b1[32];
    uint32_t lat[4];
    fprintf(f, "ccx-driver: %llu uploads in %.1f s (%.1f s sending, %.1f/s): %llu accepted, %llu failed\n",
            (unsigned long long)st->uploads, el, send, send > 0 ? (double)st->uploads / send : 0.0,
            (unsigned long long)st->accepted, (unsigned long long)st->failed);
    fprintf(f, "  requests %llu (%llu retries), sent %s", (unsigned long long)st->requests,
            (unsigned long long)st->retries, ccx_format_size((double)st->bytes_sent, b1, sizeof b1));
    if (st->interrupted)
        fprintf(f, ", %llu interrupted by Ctrl-C", (unsigned long long)st->interrupted);
    if (st->cpu_s > 0)
        fprintf(f, ", driver CPU %.2f s (%.3f ms per request)", st->cpu_s,
                st->requests ? st->cpu_s * 1e3 / (double)st->requests : 0.0);
    fputc('\n', f);
    if (st->possible_dups)
        fprintf(f, "  possible duplicates: %llu (uploads sent again after the server may already "
                   "have stored them)\n",
                (unsigned long long)st->possible_dups);
    if (st->noutcome) {
        fputs("  by status:", f);
        for (size_t i = 0; i < st->noutcome; i++)
            fprintf(f, "%s %s %llu", i ? "," : "", st->outcome[i].key,
                    (unsigned long long)st->outcome[i].n);
        fputc('\n', f);
    }
    drv_latency(st, 0, st->nlat, lat);
    if (st->nlat)
        fprintf(f, "  latency: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n", lat[0] / 1e3,
                lat[1] / 1e3, lat[2] / 1e3, lat[3] / 1e3);
    for (size_t i = 0; i < st->nphases; i++) {
        const struct drv_phase *ph = &st->phases[i];
        if (st->nphases == 1 && strcmp(ph->name, "continuous") == 0)
            break;
        drv_latency(st, ph->lat_from, ph->lat_to, lat);
        fprintf(f, "  %s: %.1f s, %llu uploads, %llu accepted, %llu failed, p50 %.1f ms, p99 %.1f ms\n",
                ph->name, secs(ph->end_ns - ph->start_ns), (unsigned long long)ph->uploads,
                (unsigned long long)ph->accepted, (unsigned long long)ph->failed, lat[0] / 1e3,
                lat[2] / 1e3);
    }
    for (size_t i = 0; i < st->nphases; i++)
        if (st->phases[i].consumers.present) {
            fprintf(f, "  after %s: ", strcmp(st->phases[i].name, "continuous") == 0 ? "the run"
                                                                               : st->phases[i].name);
            drv_consumers_text(&st->phases[i].consumers, f);
            fputc('\n', f);
        }
    for (size_t i = 0; i < st->nsnaps; i++) {
        const struct drv_snap *s = &st->snaps[i];
        fprintf(f, "  snapshot %u (%s) at %.1f s", s->seq, s->phase, s->time_s);
        for (size_t j = 0; j < s->nfiles; j++)
            fprintf(f, "%s %s", j ? "," : ":", s->files[j]);
        if (s->note[0])
            fprintf(f, " [%s]", s->note);
        fputc('\n', f);
    }
    if (st->nbodies) {
        fputs("  first error answers:\n", f);
        for (size_t i = 0; i < st->nbodies; i++)
            fprintf(f, "    %s\n", st->bodies[i]);
    }
}

static cJSON *latency_json(const struct drv_stats *st, size_t from, size_t to)
{
    uint32_t lat[4];
    drv_latency(st, from, to, lat);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "p50", lat[0] / 1e3);
    cJSON_AddNumberToObject(o, "p90", lat[1] / 1e3);
    cJSON_AddNumberToObject(o, "p99", lat[2] / 1e3);
    cJSON_AddNumberToObject(o, "max", lat[3] / 1e3);
    return o;
}

int drv_summary_json(const struct drv_stats *st, uint64_t now_ns, const char *path, char *err,
                     size_t errlen)
{
    double el = secs(now_ns - st->t0_ns), send = sending_s(st, now_ns);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddNumberToObject(r, "elapsed_s", el);
    cJSON_AddNumberToObject(r, "sending_s", send);
    cJSON_AddNumberToObject(r, "uploads", (double)st->uploads);
    cJSON_AddNumberToObject(r, "accepted", (double)st->accepted);
    cJSON_AddNumberToObject(r, "failed", (double)st->failed);
    cJSON_AddNumberToObject(r, "requests", (double)st->requests);
    cJSON_AddNumberToObject(r, "retries", (double)st->retries);
    cJSON_AddNumberToObject(r, "interrupted", (double)st->interrupted);
    cJSON_AddNumberToObject(r, "possible_duplicates", (double)st->possible_dups);
    cJSON_AddNumberToObject(r, "bytes_sent", (double)st->bytes_sent);
    cJSON_AddNumberToObject(r, "cpu_s", st->cpu_s);
    cJSON_AddNumberToObject(r, "uploads_per_s", send > 0 ? (double)st->uploads / send : 0.0);
    cJSON *by = cJSON_AddObjectToObject(r, "by_status");
    for (size_t i = 0; i < st->noutcome; i++)
        cJSON_AddNumberToObject(by, st->outcome[i].key, (double)st->outcome[i].n);
    cJSON_AddItemToObject(r, "latency_ms", latency_json(st, 0, st->nlat));
    cJSON *phases = cJSON_AddArrayToObject(r, "phases");
    for (size_t i = 0; i < st->nphases; i++) {
        const struct drv_phase *ph = &st->phases[i];
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "name", ph->name);
        cJSON_AddNumberToObject(p, "start_s", secs(ph->start_ns - st->t0_ns));
        cJSON_AddNumberToObject(p, "length_s", secs(ph->end_ns - ph->start_ns));
        cJSON_AddNumberToObject(p, "uploads", (double)ph->uploads);
        cJSON_AddNumberToObject(p, "accepted", (double)ph->accepted);
        cJSON_AddNumberToObject(p, "failed", (double)ph->failed);
        cJSON_AddItemToObject(p, "latency_ms", latency_json(st, ph->lat_from, ph->lat_to));
        if (ph->consumers.present)
            cJSON_AddItemToObject(p, "consumers", consumers_json(&ph->consumers));
        cJSON_AddItemToArray(phases, p);
    }
    cJSON *snaps = cJSON_AddArrayToObject(r, "snapshots");
    for (size_t i = 0; i < st->nsnaps; i++) {
        const struct drv_snap *s = &st->snaps[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "seq", s->seq);
        cJSON_AddStringToObject(o, "phase", s->phase);
        cJSON_AddNumberToObject(o, "time_s", s->time_s);
        cJSON *files = cJSON_AddArrayToObject(o, "files");
        for (size_t j = 0; j < s->nfiles; j++)
            cJSON_AddItemToArray(files, cJSON_CreateString(s->files[j]));
        if (s->note[0])
            cJSON_AddStringToObject(o, "note", s->note);
        if (s->consumers.present)
            cJSON_AddItemToObject(o, "consumers", consumers_json(&s->consumers));
        cJSON_AddItemToArray(snaps, o);
    }
    cJSON *bodies = cJSON_AddArrayToObject(r, "first_errors");
    for (size_t i = 0; i < st->nbodies; i++)
        cJSON_AddItemToArray(bodies, cJSON_CreateString(st->bodies[i]));
    char *text = cJSON_Print(r);
    cJSON_Delete(r);
    int rc = -1;
    FILE *f = text ? fopen(path, "w") : NULL;
    if (!text) {
        snprintf(err, errlen, "--summary-json %s: out of memory", path);
    } else if (!f) {
        snprintf(err, errlen, "--summary-json %s: %s", path, strerror(errno));
    } else {
        fputs(text, f);
        fputc('\n', f);
        rc = fclose(f) == 0 ? 0 : -1;
        if (rc)
            snprintf(err, errlen, "--summary-json %s: %s", path, strerror(errno));
    }
    free(text);
    return rc;
}

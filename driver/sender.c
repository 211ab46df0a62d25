/* sender.c - the libcurl multi loop that sends the uploads (sender.h).
 *
 * One easy handle per slot (concurrency), reused for every request so its
 * connection is kept alive.  The multipart body is read straight from the
 * archive in memory (curl_mime_data_cb) in two pieces: the archive's shared
 * head and, when each upload gets its own cluster id, the slot's copy of
 * the rest with that id written in (template.h); the file name and the
 * identity header carry the same id.  A retry resends the same upload. */
#include "sender.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "identity.h"

#define RESP_CAP 2048
#define TICK_NS 100000000ull

enum slot_state { SLOT_IDLE, SLOT_BUSY, SLOT_RETRY_WAIT };

struct src {
    const unsigned char *data[2];   /* the head, then the rest (or nothing) */
    size_t part[2];
    size_t len, pos;
};

struct slot {
    CURL *easy;
    curl_mime *mime;
    struct src src;
    enum slot_state state;
    uint64_t upload;         /* number of the upload (1, 2, ...) */
    unsigned attempt;        /* 1 for the first request */
    unsigned maybe_stored;   /* requests of this upload the server may have stored */
    size_t archive;
    uint64_t t_start, retry_at, next_start;
    char resp[RESP_CAP];
    size_t resp_len;
    char last_key[24];
    char errbuf[CURL_ERROR_SIZE];
    char id[DRV_ID_LEN + 1];     /* this upload's cluster id, "" when unknown */
    char name[256];              /* its file name */
    unsigned char *rest;         /* the archive's rest with this upload's id */
    struct curl_slist *headers;  /* x-rh-identity with this upload's id */
    char *doc;                   /* scratch: the identity document */
};

struct drv_sender {
    struct drv_sender_cfg cfg;
    struct drv_stats *st;
    CURLM *multi;
    struct slot *slots;
    uint64_t started, next_archive, next_due;
    const char *label;
    uint32_t rng;
    uint64_t idseed;         /* new_uuid's stream */
    int unreachable;         /* the first upload found nobody: see drv_sender_unreachable */
    int answered;            /* a server has answered something (HTTP or not) */
    char why[CURL_ERROR_SIZE + 32];
};

uint64_t drv_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int drv_retryable(int code, long status)
{
    switch ((CURLcode)code) {
    case CURLE_OK:
        return status >= 500 && status <= 599;
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return 1;
    default:
        return 0;
    }
}

uint64_t drv_backoff_ns(unsigned attempt, uint32_t r)
{
    uint64_t base = 200000000ull; /* 200 ms */
    for (unsigned i = 1; i < attempt && base < 5000000000ull; i++)
        base *= 2;
    if (base > 5000000000ull)
        base = 5000000000ull;
    return base + (base / 4) * (uint64_t)r / UINT32_MAX;
}

const char *drv_error_kind(int code)
{
    switch ((CURLcode)code) {
    case CURLE_COULDNT_CONNECT: return "connect";
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return "resolve";
    case CURLE_OPERATION_TIMEDOUT: return "timeout";
    case CURLE_SEND_ERROR: return "send";
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE: return "recv";
    case CURLE_GOT_NOTHING: return "empty-reply";
    case CURLE_WEIRD_SERVER_REPLY: return "not-http";
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL: return "url";
    default: return "other";
    }
}

const char *drv_outcome_kind(int code, int connected)
{
    /* The URL's scheme was checked before the run: a connected transfer
     * that ends "unsupported protocol" got an answer that is not HTTP
     * (curl: "Received HTTP/0.9 when not allowed"). */
    if ((CURLcode)code == CURLE_UNSUPPORTED_PROTOCOL && connected)
        return "not-http";
    return drv_error_kind(code);
}

int drv_maybe_stored(int code, long status, int body_sent)
{
    if (status >= 200 && status <= 299)
        return 1; /* accepted, or a 2xx whose answer was cut */
    if (status || !body_sent)
        return 0;
    switch ((CURLcode)code) {
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
        return 1; /* the whole body went out, no answer came back */
    default:
        return 0;
    }
}

static size_t src_read(char *buf, size_t size, size_t n, void *arg)
{
    struct src *s = arg;
    size_t want = size * n, done = 0;
    while (done < want && s->pos < s->len) {
        int k = s->pos >= s->part[0];
        size_t at = k ? s->pos - s->part[0] : s->pos, left = s->part[k] - at;
        size_t take = want - done < left ? want - done : left;
        memcpy(buf + done, s->data[k] + at, take);
        done += take;
        s->pos += take;
    }
    return done;
}

static int src_seek(void *arg, curl_off_t off, int origin)
{
    struct src *s = arg;
    if (origin != SEEK_SET || off < 0 || (size_t)off > s->len)
        return CURL_SEEKFUNC_CANTSEEK;
    s->pos = (size_t)off;
    return CURL_SEEKFUNC_OK;
}

static size_t resp_write(char *data, size_t size, size_t n, void *arg)
{
    struct slot *sl = arg;
    size_t len = size * n, room = RESP_CAP - 1 - sl->resp_len;
    memcpy(sl->resp + sl->resp_len, data, len < room ? len : room);
    sl->resp_len += len < room ? len : room;
    return len;
}

/* A version-4 UUID from a splitmix64 stream seeded by getrandom() (a
 * system call per upload is not needed for ids that only must differ). */
static void new_uuid(struct drv_sender *s, char out[DRV_ID_LEN + 1])
{
    unsigned char b[16];
    for (int half = 0; half < 2; half++) {
        uint64_t z = (s->idseed += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        for (int i = 0; i < 8; i++)
            b[half * 8 + i] = (unsigned char)(z >> (8 * i));
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[b[i] >> 4];
        *o++ = hex[b[i] & 15];
    }
    *o = '\0';
}

static uint32_t next_rand(struct drv_sender *s)
{
    uint32_t x = s->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return s->rng = x ? x : 0x9e3779b9u;
}

struct drv_sender *drv_sender_new(const struct drv_sender_cfg *cfg, struct drv_stats *st,
                                  char *err, size_t errlen)
{
    struct drv_sender *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->st = st;
    s->label = "";
    if (getrandom(&s->rng, sizeof s->rng, 0) != (ssize_t)sizeof s->rng || !s->rng)
        s->rng = 0x12345678u;
    if (getrandom(&s->idseed, sizeof s->idseed, 0) != (ssize_t)sizeof s->idseed)
        s->idseed = drv_mono_ns() ^ 0x5851f42d4c957f2dull;
    s->multi = curl_multi_init();
    s->slots = calloc(cfg->concurrency, sizeof *s->slots);
    if (!s->multi || !s->slots) {
        snprintf(err, errlen, "out of memory setting up libcurl");
        drv_sender_free(s);
        return NULL;
    }
    long timeout_ms = (long)(cfg->timeout_ns / 1000000);
    size_t rest_max = 0;
    for (size_t i = 0; cfg->clusters.rewrite && i < cfg->narchives; i++)
        if (cfg->archives[i].t.nslots && cfg->archives[i].t.rest_len > rest_max)
            rest_max = cfg->archives[i].t.rest_len;
    for (unsigned i = 0; i < cfg->concurrency; i++) {
        struct slot *sl = &s->slots[i];
        CURL *e = sl->easy = curl_easy_init();
        if (!e) {
            snprintf(err, errlen, "out of memory setting up libcurl");
            drv_sender_free(s);
            return NULL;
        }
        CURLcode rc = curl_easy_setopt(e, CURLOPT_URL, cfg->url);
        if (rc != CURLE_OK) {
            snprintf(err, errlen, "--url %s: %s", cfg->url, curl_easy_strerror(rc));
            drv_sender_free(s);
            return NULL;
        }
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, resp_write);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, sl);
        curl_easy_setopt(e, CURLOPT_PRIVATE, sl);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 10000 ? timeout_ms : 10000L);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_USERAGENT, "ccx-driver/1");
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, sl->errbuf);
        if (rest_max && !(sl->rest = malloc(rest_max))) {
            snprintf(err, errlen, "out of memory for the upload buffers");
            drv_sender_free(s);
            return NULL;
        }
    }
    return s;
}

void drv_sender_free(struct drv_sender *s)
{
    if (!s)
        return;
    if (s->slots) {
        for (unsigned i = 0; i < s->cfg.concurrency; i++) {
            struct slot *sl = &s->slots[i];
            if (!sl->easy)
                continue;
            if (sl->state == SLOT_BUSY && s->multi)
                curl_multi_remove_handle(s->multi, sl->easy);
            curl_easy_cleanup(sl->easy);
            curl_mime_free(sl->mime);
            curl_slist_free_all(sl->headers);
            free(sl->rest);
            free(sl->doc);
        }
        free(s->slots);
    }
    if (s->multi)
        curl_multi_cleanup(s->multi);
    free(s);
}

void drv_sender_label(struct drv_sender *s, const char *label)
{
    s->label = label ? label : "";
}

uint64_t drv_sender_inflight(const struct drv_sender *s)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < s->cfg.concurrency; i++)
        n += s->slots[i].state != SLOT_IDLE;
    return n;
}

uint64_t drv_sender_started(const struct drv_sender *s)
{
    return s->started;
}

#define IDENTITY_HDR "x-rh-identity: "

/* The slot's header list: x-rh-identity with the value given, and an
 * empty Expect (no 100-continue round trip before each body). */
static int set_headers(struct slot *sl, const char *value)
{
    char *hdr = malloc(strlen(value) + sizeof IDENTITY_HDR);
    curl_slist_free_all(sl->headers);
    sl->headers = NULL;
    if (hdr) {
        sprintf(hdr, IDENTITY_HDR "%s", value);
        sl->headers = curl_slist_append(NULL, hdr);
        if (sl->headers)
            sl->headers = curl_slist_append(sl->headers, "Expect:");
    }
    free(hdr);
    if (!sl->headers)
        return -1;
    curl_easy_setopt(sl->easy, CURLOPT_HTTPHEADER, sl->headers);
    return 0;
}

/* The identity header of this upload: with its cluster id when the
 * identity document has a place for it, else the fixed one.  The value
 * with an id always has the same length: it is rewritten in place. */
static int upload_headers(struct drv_sender *s, struct slot *sl)
{
    const struct drv_clusters *cl = &s->cfg.clusters;
    if (!sl->id[0] || !cl->identity_doc || cl->id_off == DRV_NO_ID_SLOT) {
        if (sl->doc || !sl->headers) { /* the fixed value, unless already set */
            free(sl->doc);
            sl->doc = NULL;
            return set_headers(sl, s->cfg.identity);
        }
        return 0;
    }
    size_t n = strlen(cl->identity_doc);
    if (!sl->doc) {
        if (!(sl->doc = malloc(n + 1)))
            return -1;
        memcpy(sl->doc, cl->identity_doc, n + 1);
        char *b64 = drv_base64(sl->doc, n);
        int rc = b64 ? set_headers(sl, b64) : -1;
        free(b64);
        if (rc)
            return -1;
    }
    memcpy(sl->doc + cl->id_off, sl->id, DRV_ID_LEN);
    drv_base64_to(sl->doc, n, sl->headers->data + sizeof IDENTITY_HDR - 1);
    return 0;
}

/* A new upload in slot sl: its cluster id (new, the next of --clusters N,
 * or the archive's own), the body's pieces, the file name, the identity. */
static int prepare_upload(struct drv_sender *s, struct slot *sl)
{
    const struct drv_archive *a = &s->cfg.archives[sl->archive];
    const struct drv_clusters *cl = &s->cfg.clusters;
    int rewrite = cl->rewrite && a->t.nslots;
    sl->src.data[0] = a->data;
    sl->src.part[0] = a->len;
    sl->src.part[1] = 0;
    sl->src.len = a->len;
    snprintf(sl->id, sizeof sl->id, "%s", a->t.id);
    if (rewrite) {
        if (cl->nids)
            memcpy(sl->id, cl->ids[(sl->upload - 1) % cl->nids], DRV_ID_LEN + 1);
        else
            new_uuid(s, sl->id);
        memcpy(sl->rest, a->data + a->t.head_len, a->t.rest_len);
        drv_template_render(&a->t, sl->id, sl->rest);
        sl->src.part[0] = a->t.head_len;
        sl->src.data[1] = sl->rest;
        sl->src.part[1] = a->t.rest_len;
    }
    snprintf(sl->name, sizeof sl->name, "%s", a->name);
    if (rewrite && a->name_id >= 0 && (size_t)a->name_id + DRV_ID_LEN <= strlen(sl->name))
        memcpy(sl->name + a->name_id, sl->id, DRV_ID_LEN);
    return upload_headers(s, sl);
}

static int start_request(struct drv_sender *s, struct slot *sl, uint64_t now)
{
    curl_mime *mime = curl_mime_init(sl->easy);
    curl_mimepart *part = mime ? curl_mime_addpart(mime) : NULL;
    sl->src.pos = 0;
    if (!part || curl_mime_name(part, "file") != CURLE_OK ||
        curl_mime_filename(part, sl->name) != CURLE_OK ||
        curl_mime_type(part, s->cfg.content_type) != CURLE_OK ||
        curl_mime_data_cb(part, (curl_off_t)sl->src.len, src_read, src_seek, NULL, &sl->src) != CURLE_OK) {
        curl_mime_free(mime);
        return -1;
    }
    curl_easy_setopt(sl->easy, CURLOPT_MIMEPOST, mime);
    curl_mime_free(sl->mime);
    sl->mime = mime;
    sl->resp_len = 0;
    sl->errbuf[0] = '\0';
    sl->t_start = now;
    if (curl_multi_add_handle(s->multi, sl->easy) != CURLM_OK)
        return -1;
    sl->state = SLOT_BUSY;
    return 0;
}

static void log_csv(struct drv_sender *s, const struct slot *sl, long status, const char *err,
                    double latency_ms, uint64_t bytes, const char *request_id)
{
    if (!s->cfg.csv)
        return;
    struct timespec ts;
    struct tm tm;
    char when[40];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(s->cfg.csv, "%s.%03ldZ,%s,%llu,%u,%ld,%s,%.3f,%llu,%s,%s\n", when, ts.tv_nsec / 1000000,
            s->label, (unsigned long long)sl->upload, sl->attempt, status, err, latency_ms,
            (unsigned long long)bytes, request_id, sl->id);
}

/* An upload's last request is done (or abandoned): its final outcome. */
static void close_upload(struct drv_sender *s, struct slot *sl, int accepted, uint64_t now)
{
    drv_stats_upload(s->st, sl->last_key, accepted);
    if (sl->maybe_stored >= 2)
        drv_stats_possible_duplicate(s->st);
    sl->state = SLOT_IDLE;
    sl->next_start = now + s->cfg.delay_ns;
}

/* What curl says about a finished transfer: the HTTP status even when the
 * answer was cut (2xx and a transfer error: the server accepted it), and
 * whether a connection was made at all. */
static long answer_status(CURL *easy, int *connected)
{
    long status = 0;
    char *ip = NULL;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &ip);
    *connected = status != 0 || (ip && *ip);
    return status;
}

/* A request finished: count it, then retry, or close the upload. */
static void finish(struct drv_sender *s, struct slot *sl, CURLcode code, uint64_t now, int stopping)
{
    curl_off_t up = 0;
    int connected;
    curl_multi_remove_handle(s->multi, sl->easy);
    long heard = answer_status(sl->easy, &connected);
    curl_easy_getinfo(sl->easy, CURLINFO_SIZE_UPLOAD_T, &up);
    long status = code == CURLE_OK ? heard : 0;
    sl->maybe_stored += (unsigned)drv_maybe_stored(code, heard, sl->src.pos == sl->src.len);
    const char *kind = status ? NULL : drv_outcome_kind(code, connected);
    if (status || heard || strcmp(kind, "not-http") == 0)
        s->answered = 1;
    int64_t lat = status ? (int64_t)(now - sl->t_start) : -1;
    drv_stats_request(s->st, lat, (uint64_t)up);
    sl->resp[sl->resp_len] = '\0';
    char request_id[80] = "";
    int accepted = code == CURLE_OK && status >= 200 && status <= 299;
    if (accepted && s->cfg.csv) {
        cJSON *doc = cJSON_Parse(sl->resp);
        const cJSON *rid = cJSON_GetObjectItemCaseSensitive(doc, "request_id");
        if (cJSON_IsString(rid))
            snprintf(request_id, sizeof request_id, "%s", rid->valuestring);
        cJSON_Delete(doc);
    }
    if (status)
        snprintf(sl->last_key, sizeof sl->last_key, "%ld", status);
    else
        snprintf(sl->last_key, sizeof sl->last_key, "%s", kind);
    log_csv(s, sl, status, status ? "" : kind, lat < 0 ? -1.0 : (double)lat / 1e6,
            (uint64_t)up, request_id);
    if (!accepted && status)
        drv_stats_body(s->st, (int)status, sl->resp, sl->resp_len);
    else if (!status && strcmp(kind, "not-http") == 0)
        drv_stats_error(s->st, kind, sl->errbuf[0] ? sl->errbuf : curl_easy_strerror(code));
    if (!accepted && !stopping && sl->attempt <= s->cfg.retries && drv_retryable(code, status)) {
        s->st->retries++;
        sl->attempt++;
        sl->retry_at = now + drv_backoff_ns(sl->attempt - 1, next_rand(s));
        sl->state = SLOT_RETRY_WAIT;
        return;
    }
    close_upload(s, sl, accepted, now);
    /* Nothing ever answered and this upload could not even connect after
     * its retries: a wrong or dead URL, not a load problem.  Stop.  Any
     * answer, HTTP or not, means somebody is there: counted, never fatal. */
    if (!status && !s->answered && s->st->accepted == 0 &&
        (code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
         code == CURLE_COULDNT_RESOLVE_PROXY)) {
        s->unreachable = 1;
        snprintf(s->why, sizeof s->why, "%s", sl->errbuf[0] ? sl->errbuf : curl_easy_strerror(code));
    }
}

const char *drv_sender_unreachable(const struct drv_sender *s)
{
    return s->unreachable ? s->why : NULL;
}

static void abandon(struct drv_sender *s)
{
    for (unsigned i = 0; i < s->cfg.concurrency; i++) {
        struct slot *sl = &s->slots[i];
        if (sl->state == SLOT_BUSY) {
            curl_multi_remove_handle(s->multi, sl->easy);
            s->st->interrupted++;
        } else if (sl->state == SLOT_RETRY_WAIT) {
            close_upload(s, sl, 0, 0); /* gave up before its retry */
        }
        sl->state = SLOT_IDLE;
    }
}

int drv_sender_run(struct drv_sender *s, uint64_t deadline_ns, const volatile sig_atomic_t *stop,
                   void (*tick)(void *arg, uint64_t now_ns), void *arg)
{
    uint64_t interval = s->cfg.rate > 0 ? (uint64_t)(1e9 / s->cfg.rate) : 0;
    uint64_t now = drv_mono_ns(), next_tick = now + TICK_NS;
    s->next_due = now;
    for (;;) {
        now = drv_mono_ns();
        if (*stop || s->unreachable) {
            abandon(s);
            break;
        }
        int limit = s->cfg.max_uploads && s->started >= s->cfg.max_uploads;
        int may_start = !limit && (!deadline_ns || now < deadline_ns);
        uint64_t wake = now + TICK_NS;
        uint64_t busy = 0;
        for (unsigned i = 0; i < s->cfg.concurrency; i++) {
            struct slot *sl = &s->slots[i];
            if (sl->state == SLOT_RETRY_WAIT) {
                if (sl->retry_at <= now) {
                    if (start_request(s, sl, now)) {
                        drv_stats_upload(s->st, "other", 0);
                        sl->state = SLOT_IDLE;
                    }
                } else if (sl->retry_at < wake) {
                    wake = sl->retry_at;
                }
            }
            if (sl->state == SLOT_IDLE && may_start) {
                uint64_t due = sl->next_start;
                if (interval && s->next_due > due)
                    due = s->next_due;
                if (due <= now && !(s->cfg.max_uploads && s->started >= s->cfg.max_uploads)) {
                    sl->upload = ++s->started;
                    sl->attempt = 1;
                    sl->maybe_stored = 0;
                    sl->archive = (size_t)(s->next_archive++ % s->cfg.narchives);
                    if (interval) {
                        s->next_due += interval;
                        if (s->next_due + interval < now) /* no catch-up storm */
                            s->next_due = now;
                    }
                    if (prepare_upload(s, sl) || start_request(s, sl, now)) {
                        drv_stats_upload(s->st, "other", 0);
                        sl->state = SLOT_IDLE;
                    }
                } else if (due > now && due < wake) {
                    wake = due;
                }
            }
            busy += sl->state != SLOT_IDLE;
        }
        if (!busy && !may_start)
            break;
        if (deadline_ns && may_start && deadline_ns < wake)
            wake = deadline_ns;
        int ms = wake > now ? (int)((wake - now + 999999) / 1000000) : 0;
        int numfds;
        curl_multi_poll(s->multi, NULL, 0, ms, &numfds);
        int running;
        curl_multi_perform(s->multi, &running);
        CURLMsg *msg;
        int left;
        now = drv_mono_ns();
        while ((msg = curl_multi_info_read(s->multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            struct slot *sl;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&sl);
            finish(s, sl, msg->data.result, now, *stop != 0);
        }
        if (tick && now >= next_tick) {
            tick(arg, now);
            next_tick = now + TICK_NS;
        }
    }
    return s->cfg.max_uploads && s->started >= s->cfg.max_uploads;
}

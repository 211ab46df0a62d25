/* sender.c - the libcurl multi loop that sends the uploads (sender.h).
 *
 * One easy handle per slot (concurrency), reused for every request so its
 * connection is kept alive.  The multipart body is read straight from the
 * archive in memory (curl_mime_data_cb): nothing is copied per request. */
#include "sender.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#define RESP_CAP 2048
#define TICK_NS 100000000ull

enum slot_state { SLOT_IDLE, SLOT_BUSY, SLOT_RETRY_WAIT };

struct src {
    const unsigned char *data;
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
};

struct drv_sender {
    struct drv_sender_cfg cfg;
    struct drv_stats *st;
    CURLM *multi;
    struct curl_slist *headers;
    struct slot *slots;
    uint64_t started, next_archive, next_due;
    const char *label;
    uint32_t rng;
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
    size_t want = size * n, left = s->len - s->pos;
    if (want > left)
        want = left;
    memcpy(buf, s->data + s->pos, want);
    s->pos += want;
    return want;
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
    char *hdr = malloc(strlen(cfg->identity) + 32);
    if (hdr) {
        sprintf(hdr, "x-rh-identity: %s", cfg->identity);
        s->headers = curl_slist_append(NULL, hdr);
        free(hdr);
    }
    /* No "Expect: 100-continue" round trip before each body. */
    if (s->headers)
        s->headers = curl_slist_append(s->headers, "Expect:");
    s->multi = curl_multi_init();
    s->slots = calloc(cfg->concurrency, sizeof *s->slots);
    if (!s->headers || !s->multi || !s->slots) {
        snprintf(err, errlen, "out of memory setting up libcurl");
        drv_sender_free(s);
        return NULL;
    }
    long timeout_ms = (long)(cfg->timeout_ns / 1000000);
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
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->headers);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, resp_write);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, sl);
        curl_easy_setopt(e, CURLOPT_PRIVATE, sl);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 10000 ? timeout_ms : 10000L);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_USERAGENT, "ccx-driver/1");
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, sl->errbuf);
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
        }
        free(s->slots);
    }
    if (s->multi)
        curl_multi_cleanup(s->multi);
    curl_slist_free_all(s->headers);
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

static int start_request(struct drv_sender *s, struct slot *sl, uint64_t now)
{
    const struct drv_archive *a = &s->cfg.archives[sl->archive];
    curl_mime *mime = curl_mime_init(sl->easy);
    curl_mimepart *part = mime ? curl_mime_addpart(mime) : NULL;
    sl->src.data = a->data;
    sl->src.len = a->len;
    sl->src.pos = 0;
    if (!part || curl_mime_name(part, "file") != CURLE_OK ||
        curl_mime_filename(part, a->name) != CURLE_OK ||
        curl_mime_type(part, s->cfg.content_type) != CURLE_OK ||
        curl_mime_data_cb(part, (curl_off_t)a->len, src_read, src_seek, NULL, &sl->src) != CURLE_OK) {
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
    fprintf(s->cfg.csv, "%s.%03ldZ,%s,%llu,%u,%ld,%s,%.3f,%llu,%s\n", when, ts.tv_nsec / 1000000,
            s->label, (unsigned long long)sl->upload, sl->attempt, status, err, latency_ms,
            (unsigned long long)bytes, request_id);
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
                    if (start_request(s, sl, now)) {
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

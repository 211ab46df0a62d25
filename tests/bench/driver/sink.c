/* sink.c - the benchmark's minimal ingress sink, and a raw client that
 * measures the sink's own ceiling.
 *
 *   sink serve            listen on 127.0.0.1 (a free port, printed on stdout),
 *                         read each HTTP/1.1 request (Content-Length body,
 *                         discarded unparsed) and answer 202 with a small JSON
 *                         body; keep-alive, one thread per connection.
 *   sink blast PORT CONNS SECONDS SIZE
 *                         send one precomputed multipart upload of SIZE bytes
 *                         over CONNS keep-alive connections as fast as the
 *                         sink answers; prints "requests/s". No libcurl, no
 *                         per-request work: this is the ceiling the driver
 *                         is compared with.
 * Not part of ccx-driver: tests/bench/driver/bench_driver.sh builds it. */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF (256 * 1024)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads one response or request head into buf (which may already hold
 * `have` bytes); returns the head length (through the blank line) or -1. */
static ssize_t read_head(int fd, char *buf, size_t *have)
{
    for (;;) {
        char *end = *have >= 4 ? memmem(buf, *have, "\r\n\r\n", 4) : NULL;
        if (end)
            return end + 4 - buf;
        if (*have == BUF)
            return -1;
        ssize_t r = read(fd, buf + *have, BUF - *have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        *have += (size_t)r;
    }
}

static size_t content_length(const char *head, size_t len)
{
    const char *p = head, *end = head + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;
        if ((size_t)(nl - p) > 15 && strncasecmp(p, "content-length:", 15) == 0)
            return strtoul(p + 15, NULL, 10);
        p = nl + 1;
    }
    return 0;
}

/* Consumes `body` bytes: first what is in buf after the head, then reads. */
static int skip_body(int fd, char *buf, size_t *have, size_t head, size_t body)
{
    size_t in = *have - head;
    if (in >= body) {
        memmove(buf, buf + head + body, in - body);
        *have = in - body;
        return 0;
    }
    body -= in;
    *have = 0;
    while (body) {
        ssize_t r = read(fd, buf, body < BUF ? body : BUF);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        body -= (size_t)r;
    }
    return 0;
}

static atomic_ulong served;

static void *conn(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char *buf = malloc(BUF);
    size_t have = 0;
    static const char resp_body[] =
        "{\"request_id\":\"00000000000000000000000000000000\",\"upload\":{\"org_id\":\"1\"}}";
    char resp[256];
    int rl = snprintf(resp, sizeof resp,
                      "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\n\r\n%s",
                      sizeof resp_body - 1, resp_body);
    while (buf) {
        ssize_t head = read_head(fd, buf, &have);
        if (head < 0)
            break;
        size_t body = content_length(buf, (size_t)head);
        if (memmem(buf, (size_t)head, "100-continue", 12))
            write_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
        if (skip_body(fd, buf, &have, (size_t)head, body) || write_all(fd, resp, (size_t)rl))
            break;
        atomic_fetch_add(&served, 1);
    }
    free(buf);
    close(fd);
    return NULL;
}

static int serve(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 128) ||
        getsockname(s, (struct sockaddr *)&a, &al)) {
        perror("sink");
        return 1;
    }
    printf("%d\n", ntohs(a.sin_port));
    fflush(stdout);
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0)
            continue;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pthread_t t;
        if (pthread_create(&t, NULL, conn, (void *)(intptr_t)c) == 0)
            pthread_detach(t);
        else
            close(c);
    }
}

struct blast {
    int port;
    double until;
    const char *req;
    size_t len;
    unsigned long n;
};

static void *blaster(void *arg)
{
    struct blast *b = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)b->port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char *buf = malloc(BUF);
    size_t have = 0;
    if (!buf || connect(fd, (struct sockaddr *)&a, sizeof a))
        goto out;
    while (now_s() < b->until) {
        if (write_all(fd, b->req, b->len))
            break;
        ssize_t head = read_head(fd, buf, &have);
        if (head < 0 || skip_body(fd, buf, &have, (size_t)head, content_length(buf, (size_t)head)))
            break;
        b->n++;
    }
out:
    free(buf);
    close(fd);
    return NULL;
}

static int blast(int port, int conns, double secs, size_t size)
{
    char *body = malloc(size + 512), *req = malloc(size + 1024);
    int hl = snprintf(body, 512,
                      "--b0undary\r\nContent-Disposition: form-data; name=\"file\"; "
                      "filename=\"a.tar.gz\"\r\nContent-Type: "
                      "application/vnd.redhat.openshift.periodic+tar\r\n\r\n");
    for (size_t i = 0; i < size; i++)
        body[hl + i] = (char)(i * 2654435761u >> 24);
    size_t bl = (size_t)hl + size;
    bl += (size_t)sprintf(body + bl, "\r\n--b0undary--\r\n");
    int rl = snprintf(req, 1024,
                      "POST /api/ingress/v1/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "x-rh-identity: e30=\r\nContent-Type: multipart/form-data; boundary=b0undary\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      bl);
    memcpy(req + rl, body, bl);
    struct blast *bs = calloc((size_t)conns, sizeof *bs);
    pthread_t *ts = calloc((size_t)conns, sizeof *ts);
    double t0 = now_s();
    for (int i = 0; i < conns; i++) {
        bs[i] = (struct blast){port, t0 + secs, req, (size_t)rl + bl, 0};
        pthread_create(&ts[i], NULL, blaster, &bs[i]);
    }
    unsigned long total = 0;
    for (int i = 0; i < conns; i++) {
        pthread_join(ts[i], NULL);
        total += bs[i].n;
    }
    double el = now_s() - t0;
    printf("%.1f\n", (double)total / el);
    free(body);
    free(req);
    free(bs);
    free(ts);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "serve") == 0)
        return serve();
    if (argc == 6 && strcmp(argv[1], "blast") == 0)
        return blast(atoi(argv[2]), atoi(argv[3]), atof(argv[4]), strtoul(argv[5], NULL, 10));
    fprintf(stderr, "usage: sink serve | sink blast PORT CONNS SECONDS SIZE\n");
    return 2;
}

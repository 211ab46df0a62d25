/* ccxtrace_hook.c - ccxtrace-hook, the static helper scripts/ccxtrace-k8s puts
 * in a pod beside the tracer, so that neither step needs a shell or any tool
 * in the service's image (docs/kubernetes.md):
 *
 *   ccxtrace-hook install SRC DST   the init container: copies libccxtrace.so,
 *                                   libunwind.so.8 and ccxtrace-hook from SRC
 *                                   into DST (mode 0755, replaced atomically)
 *   ccxtrace-hook final DIR SECONDS [LABEL]
 *                                   the preStop hook (and ccxtrace-k8s
 *                                   snapshot): writes a new counter into
 *                                   DIR/trigger, and "label=LABEL" on a second
 *                                   line when given, and waits, at most
 *                                   SECONDS, for a snapshot (ccxtrace.*.json)
 *                                   that was not in DIR at its start; every
 *                                   traced process watching the file takes one
 *   ccxtrace-hook signal DIR SECONDS
 *                                   the same through a signal to pid 1 (no
 *                                   poll delay, no trigger file needed), only
 *                                   when pid 1 maps libccxtrace.so, writes to
 *                                   DIR (its CCXTRACE_DIR) and catches its
 *                                   CCXTRACE_SIGNAL (SIGUSR2 by default):
 *                                   any other signal could kill it
 *   ccxtrace-hook list DIR          ccxtrace's files in DIR (snapshots, stats
 *                                   CSVs; not .tmp), "SIZE MTIME NAME" a line
 *                                   (scripts/ccxtrace-k8s status and collect)
 *
 * Exit status: 0 done, 1 failed or no snapshot in time (the kubelet records a
 * failed hook and stops the container anyway), 2 bad usage.  Linked
 * statically (scripts/build.mk), so it runs on any Linux image. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ccx_signal.h"
#include "ccx_traced.h"

static const char *const FILES[] = {"libccxtrace.so", "libunwind.so.8", "ccxtrace-hook"};

#define LABEL_MAX 255

static int fail(const char *what, const char *path)
{
    fprintf(stderr, "ccxtrace-hook: %s %s: %s\n", what, path, strerror(errno));
    return 1;
}

/* Copies src to dst through dst.tmp and a rename. */
static int copy_file(const char *src, const char *dst)
{
    char tmp[4096], buf[65536];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", dst) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return fail("cannot write", dst);
    }
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return fail("cannot read", src);
    int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    if (out < 0) {
        close(in);
        return fail("cannot write", tmp);
    }
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            rc = fail("cannot write", tmp);
            break;
        }
    if (n < 0)
        rc = fail("cannot read", src);
    close(in);
    if (fchmod(out, 0755) != 0 || close(out) != 0)
        rc = rc ? rc : fail("cannot write", tmp);
    if (rc == 0 && rename(tmp, dst) != 0)
        rc = fail("cannot rename to", dst);
    if (rc != 0)
        unlink(tmp);
    return rc;
}

static int install(const char *src, const char *dst)
{
    char a[4096], b[4096];
    for (size_t i = 0; i < sizeof FILES / sizeof FILES[0]; i++) {
        snprintf(a, sizeof a, "%s/%s", src, FILES[i]);
        snprintf(b, sizeof b, "%s/%s", dst, FILES[i]);
        if (copy_file(a, b) != 0)
            return 1;
    }
    printf("ccxtrace-hook: copied the tracer from %s to %s\n", src, dst);
    return 0;
}

/* Writes the trigger file's number plus one (a change the tracer sees), and
 * "label=LABEL" on the next line when label is not NULL. */
static int pull_trigger(const char *dir, const char *label)
{
    char path[4096], text[32 + 6 + LABEL_MAX + 2] = "";
    snprintf(path, sizeof path, "%s/trigger", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0660);
    if (fd < 0)
        return fail("cannot write", path);
    ssize_t n = read(fd, text, 31);
    text[n > 0 ? n : 0] = '\0';
    long long next = (n > 0 ? strtoll(text, NULL, 10) : 0) + 1;
    int len = label ? snprintf(text, sizeof text, "%lld\nlabel=%s\n", next, label)
                    : snprintf(text, sizeof text, "%lld\n", next);
    int rc = 0;
    if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)len, 0) != len)
        rc = fail("cannot write", path);
    close(fd);
    return rc;
}

/* A label is one line of at most LABEL_MAX bytes without control characters
 * (the tracer keeps 255 bytes of it). */
static int label_ok(const char *label)
{
    size_t n = strlen(label);
    if (n == 0 || n > LABEL_MAX) {
        fprintf(stderr, "ccxtrace-hook: LABEL must be 1-%d bytes, not %zu\n", LABEL_MAX, n);
        return 0;
    }
    for (const unsigned char *p = (const unsigned char *)label; *p; p++)
        if (*p < 0x20 || *p == 0x7f) {
            fprintf(stderr, "ccxtrace-hook: LABEL must be one line without control characters\n");
            return 0;
        }
    return 1;
}

/* Names are remembered by hash: a snapshot whose name was not in the
 * directory when the hook started is the new one (modification times can be
 * second-granular, and the tracer may thin old files meanwhile). */
#define MAX_SEEN 65536
static unsigned long long seen[MAX_SEEN];
static size_t nseen;

static unsigned long long name_hash(const char *s)
{
    unsigned long long h = 1469598103934665603ULL;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return h;
}

static int is_snapshot(const char *name)
{
    size_t len = strlen(name);
    return strncmp(name, "ccxtrace.", 9) == 0 && len > 14 && strcmp(name + len - 5, ".json") == 0;
}

/* remember != 0: records the snapshots there; else 1 when one is new. */
static int scan(const char *dir, int remember)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d)) != NULL) {
        if (!is_snapshot(e->d_name))
            continue;
        unsigned long long h = name_hash(e->d_name);
        if (remember) {
            if (nseen < MAX_SEEN)
                seen[nseen++] = h;
            continue;
        }
        found = 1;
        for (size_t i = 0; i < nseen && found; i++)
            found = seen[i] != h;
    }
    closedir(d);
    return found;
}

/* SECONDS as a number of seconds, 1-3600; -1 (said) when it is not one. */
static long parse_seconds(const char *cmd, const char *seconds)
{
    char *end;
    long wait = strtol(seconds, &end, 10);
    if (*seconds == '\0' || *end != '\0' || wait < 1 || wait > 3600) {
        fprintf(stderr, "ccxtrace-hook: %s: SECONDS must be 1-3600, not \"%s\"\n", cmd, seconds);
        return -1;
    }
    return wait;
}

/* Waits, at most wait seconds, for a snapshot in dir that scan(dir, 1) did
 * not see; 0 when one came. */
static int wait_new(const char *dir, long wait, const struct timespec *start, const char *how)
{
    struct timespec now;
    for (long tick = 0; tick < wait * 10; tick++) {
        if (scan(dir, 0)) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            printf("ccxtrace-hook: final snapshot in %s after %ld ms (%s)\n", dir,
                   (long)((now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000),
                   how);
            return 0;
        }
        nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
    }
    fprintf(stderr, "ccxtrace-hook: no new snapshot in %s within %ld s\n", dir, wait);
    return 1;
}

static int final(const char *dir, const char *seconds, const char *label)
{
    long wait = parse_seconds("final", seconds);
    if (wait < 0 || (label && !label_ok(label)))
        return 2;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    scan(dir, 1);
    if (pull_trigger(dir, label) != 0)
        return 1;
    return wait_new(dir, wait, &start, label ? "trigger file, labelled" : "trigger file");
}

/* Reads a /proc file of pid 1 into buf (len bytes, NUL-terminated); its
 * length, or -1 with errno. */
static ssize_t read_proc1(const char *name, char *buf, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/1/%s", name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t got = 0;
    ssize_t r;
    while (got + 1 < len && (r = read(fd, buf + got, len - 1 - got)) > 0)
        got += (size_t)r;
    close(fd);
    buf[got] = '\0';
    return (ssize_t)got;
}

/* The value of NAME=... in environ text (NUL-separated, n bytes); NULL
 * when absent. */
static const char *env_value(const char *env, size_t n, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < n; i += strlen(env + i) + 1)
        if (strncmp(env + i, name, len) == 0 && env[i + len] == '=')
            return env + i + len + 1;
    return NULL;
}

/* 1 when the two directory names are the same apart from trailing slashes. */
static int same_dir(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    while (la > 1 && a[la - 1] == '/')
        la--;
    while (lb > 1 && b[lb - 1] == '/')
        lb--;
    return la == lb && memcmp(a, b, la) == 0;
}

/* 1 when /proc/1/maps maps libccxtrace.so. */
static int pid1_traced(void)
{
    FILE *f = fopen("/proc/1/maps", "re");
    if (!f)
        return 0;
    char line[4096];
    int traced = 0;
    while (!traced && fgets(line, sizeof line, f))
        traced = ccx_maps_line_is_tracer(line);
    fclose(f);
    return traced;
}

/* The signal pid 1 takes snapshots on, when it is traced, writes them to
 * dir and catches it; else 0, with the reason said in one line. */
static int pid1_signal(const char *dir)
{
    static char env[65536], status[8192];
    ssize_t n = read_proc1("environ", env, sizeof env);
    if (n < 0) {
        fail("signal: pid 1 not signalled: cannot read", "/proc/1/environ");
        return 0;
    }
    if (!pid1_traced()) {
        fprintf(stderr, "ccxtrace-hook: signal: pid 1 does not map libccxtrace.so (not traced); not signalled\n");
        return 0;
    }
    const char *d = env_value(env, (size_t)n, "CCXTRACE_DIR");
    if (!d || !same_dir(d, dir)) {
        fprintf(stderr, "ccxtrace-hook: signal: pid 1 writes its snapshots to %s, not %s; not signalled\n",
                d ? d : "its working directory (no CCXTRACE_DIR)", dir);
        return 0;
    }
    const char *v = env_value(env, (size_t)n, "CCXTRACE_SIGNAL");
    int sig = SIGUSR2;
    if (v && ccx_signal_parse(v, CCX_SIGNAL_ALLOW_NONE, &sig) != CCX_SIGNAL_OK)
        sig = 0;
    if (sig == 0) {
        fprintf(stderr, "ccxtrace-hook: signal: pid 1 takes no snapshot signal (CCXTRACE_SIGNAL=%s); "
                        "use final (the trigger file)\n", v);
        return 0;
    }
    if (read_proc1("status", status, sizeof status) < 0 || ccx_status_catches(status, sig) != 1) {
        char name[CCX_SIGNAL_NAME_MAX];
        fprintf(stderr, "ccxtrace-hook: signal: pid 1 does not catch %s; not signalled\n",
                ccx_signal_name(sig, name, sizeof name));
        return 0;
    }
    return sig;
}

static int signal_pid1(const char *dir, const char *seconds)
{
    long wait = parse_seconds("signal", seconds);
    if (wait < 0)
        return 2;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    scan(dir, 1);
    int sig = pid1_signal(dir);
    if (sig == 0)
        return 1;
    if (kill(1, sig) != 0)
        return fail("signal: cannot signal", "pid 1");
    char how[64], name[CCX_SIGNAL_NAME_MAX];
    snprintf(how, sizeof how, "%s to pid 1", ccx_signal_name(sig, name, sizeof name));
    return wait_new(dir, wait, &start, how);
}

static int list(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return fail("cannot read", dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        struct stat st;
        if (strncmp(e->d_name, "ccxtrace.", 9) != 0 || (len > 4 && strcmp(e->d_name + len - 4, ".tmp") == 0))
            continue;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            printf("%lld %lld %s\n", (long long)st.st_size, (long long)st.st_mtim.tv_sec, e->d_name);
    }
    closedir(d);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "install") == 0)
        return install(argv[2], argv[3]);
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "final") == 0)
        return final(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
    if (argc == 4 && strcmp(argv[1], "signal") == 0)
        return signal_pid1(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "list") == 0)
        return list(argv[2]);
    fprintf(stderr, "usage: ccxtrace-hook install SRC DST | final DIR SECONDS [LABEL] | signal DIR SECONDS | list DIR\n");
    return 2;
}

/* ccxtrace_hook.c - ccxtrace-hook, the static helper scripts/ccxtrace-k8s puts
 * in a pod beside the tracer, so that neither step needs a shell or any tool
 * in the service's image (docs/kubernetes.md):
 *
 *   ccxtrace-hook install SRC DST   the init container: copies libccxtrace.so,
 *                                   libunwind.so.8 and ccxtrace-hook from SRC
 *                                   into DST (mode 0755, replaced atomically)
 *   ccxtrace-hook final DIR SECONDS the preStop hook: writes a new counter into
 *                                   DIR/trigger and waits, at most SECONDS, for
 *                                   a snapshot (ccxtrace.*.json) that was not
 *                                   in DIR at its start
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const FILES[] = {"libccxtrace.so", "libunwind.so.8", "ccxtrace-hook"};

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

/* Writes the trigger file's number plus one (a change the tracer sees). */
static int pull_trigger(const char *dir)
{
    char path[4096], text[32] = "";
    snprintf(path, sizeof path, "%s/trigger", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0660);
    if (fd < 0)
        return fail("cannot write", path);
    ssize_t n = read(fd, text, sizeof text - 1);
    long long next = (n > 0 ? strtoll(text, NULL, 10) : 0) + 1;
    int len = snprintf(text, sizeof text, "%lld\n", next);
    int rc = 0;
    if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)len, 0) != len)
        rc = fail("cannot write", path);
    close(fd);
    return rc;
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

static int final(const char *dir, const char *seconds)
{
    char *end;
    long wait = strtol(seconds, &end, 10);
    if (*seconds == '\0' || *end != '\0' || wait < 1 || wait > 3600) {
        fprintf(stderr, "ccxtrace-hook: final: SECONDS must be 1-3600, not \"%s\"\n", seconds);
        return 2;
    }
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    scan(dir, 1);
    if (pull_trigger(dir) != 0)
        return 1;
    for (long tick = 0; tick < wait * 10; tick++) {
        if (scan(dir, 0)) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            printf("ccxtrace-hook: final snapshot in %s after %ld ms\n", dir,
                   (long)((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000));
            return 0;
        }
        nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
    }
    fprintf(stderr, "ccxtrace-hook: no new snapshot in %s within %ld s\n", dir, wait);
    return 1;
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
    if (argc == 4 && strcmp(argv[1], "final") == 0)
        return final(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "list") == 0)
        return list(argv[2]);
    fprintf(stderr, "usage: ccxtrace-hook install SRC DST | final DIR SECONDS | list DIR\n");
    return 2;
}

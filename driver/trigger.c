/* trigger.c - snapshot triggers and the wait for snapshot files (trigger.h). */
#include "trigger.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ccx_format.h"
#include "ccx_signal.h"
#include "ccx_traced.h"
#include "command.h"
#include "clock.h"

#define POLL_NS 50000000ull      /* directory and command polls: 50 ms */
#define GRACE_NS 300000000ull    /* after the expected files: 300 ms more */

static int all_digits(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int drv_snapshot_name_ok(const char *name)
{
    size_t pl = strlen(CCX_FILE_PREFIX), sl = strlen(CCX_FILE_SUFFIX), len = strlen(name);
    if (len <= pl + sl || strncmp(name, CCX_FILE_PREFIX, pl) != 0 ||
        strcmp(name + len - sl, CCX_FILE_SUFFIX) != 0)
        return 0;
    const char *s = name + pl, *end = name + len - sl;
    /* From the right: seq, start, pid (digits), then a non-empty host. */
    for (int k = 0; k < 3; k++) {
        const char *dot = end;
        while (dot > s && dot[-1] != '.')
            dot--;
        if (dot == s || !all_digits(dot, (size_t)(end - dot)))
            return 0;
        end = dot - 1;
    }
    return end > s;
}

/* Reads a small /proc file into buf; -1 with errno. */
static int read_small(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got + 1 < len) {
        ssize_t r = read(fd, buf + got, len - 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    return 0;
}

static int trigger_signal(const struct drv_trigger *t)
{
    return t->sig ? t->sig : DRV_TRIGGER_SIGNAL;
}

int drv_check_pid(pid_t pid, char *err, size_t errlen)
{
    return drv_check_pid_signal(pid, DRV_TRIGGER_SIGNAL, err, errlen);
}

int drv_check_pid_signal(pid_t pid, int sig, char *err, size_t errlen)
{
    char path[64], name[CCX_SIGNAL_NAME_MAX];
    ccx_signal_name(sig, name, sizeof name);
    if (kill(pid, 0) != 0 && errno == ESRCH) {
        snprintf(err, errlen, "--trigger-signal: no process %d", (int)pid);
        return -1;
    }
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f) {
        snprintf(err, errlen, "--trigger-signal: cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    char line[4096];
    int traced = 0;
    while (!traced && fgets(line, sizeof line, f))
        traced = ccx_maps_line_is_tracer(line);
    fclose(f);
    if (!traced) {
        snprintf(err, errlen,
                 "--trigger-signal: process %d does not have libccxtrace.so mapped (not traced); "
                 "refusing to send it %s, which would kill it",
                 (int)pid, name);
        return -1;
    }
    char status[8192];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    if (read_small(path, status, sizeof status) != 0) {
        snprintf(err, errlen, "--trigger-signal: cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    int c = ccx_status_catches(status, sig);
    if (c == 0) {
        snprintf(err, errlen,
                 "--trigger-signal: process %d maps libccxtrace.so but does not catch %s "
                 "(its CCXTRACE_SIGNAL is another signal? see --signal); refusing to send it",
                 (int)pid, name);
        return -1;
    }
    if (c != 1) {
        snprintf(err, errlen, "--trigger-signal: process %d: no SigCgt line in /proc status", (int)pid);
        return -1;
    }
    return 0;
}

int drv_trigger_enabled(const struct drv_trigger *t)
{
    return t->file || t->npids || t->exec;
}

int drv_trigger_check(const struct drv_trigger *t, char *err, size_t errlen)
{
    struct stat st;
    if (t->snapdir && (stat(t->snapdir, &st) != 0 || !S_ISDIR(st.st_mode))) {
        snprintf(err, errlen, "--snapshot-dir %s: %s", t->snapdir,
                 errno && stat(t->snapdir, &st) != 0 ? strerror(errno) : "not a directory");
        return -1;
    }
    if (t->snapdir && !drv_trigger_enabled(t)) {
        snprintf(err, errlen, "--snapshot-dir needs a trigger (--trigger-file, --trigger-signal or --trigger-exec)");
        return -1;
    }
    if (t->file) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", t->file);
        char *slash = strrchr(dir, '/');
        if (slash)
            *(slash == dir ? slash + 1 : slash) = '\0';
        else
            snprintf(dir, sizeof dir, ".");
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "--trigger-file %s: directory %s does not exist", t->file, dir);
            return -1;
        }
        if (stat(t->file, &st) == 0 && !S_ISREG(st.st_mode)) {
            snprintf(err, errlen, "--trigger-file %s: not a regular file", t->file);
            return -1;
        }
    }
    for (size_t i = 0; i < t->npids; i++)
        if (drv_check_pid_signal(t->pids[i], trigger_signal(t), err, errlen))
            return -1;
    return 0;
}

struct names {
    char **v;
    size_t n, cap;
};

static void names_free(struct names *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int names_has(const struct names *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], name) == 0)
            return 1;
    return 0;
}

static int names_add(struct names *s, const char *name)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        char **v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return -1;
        s->v = v;
        s->cap = cap;
    }
    if (!(s->v[s->n] = strdup(name)))
        return -1;
    s->n++;
    return 0;
}

/* Snapshot files in dir that are not in `old` go to `out`. */
static void scan(const char *dir, const struct names *old, struct names *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)))
        if (drv_snapshot_name_ok(de->d_name) && (!old || !names_has(old, de->d_name)) &&
            !names_has(out, de->d_name))
            names_add(out, de->d_name);
    closedir(d);
}

static int write_counter(struct drv_trigger *t, char *note, size_t notelen)
{
    char buf[64];
    uint64_t cur = 0;
    int fd = open(t->file, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t r = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (r > 0) {
            buf[r] = '\0';
            cur = strtoull(buf, NULL, 10);
        }
    }
    t->counter = (cur > t->counter ? cur : t->counter) + 1;
    /* Written in place, not renamed: a bind-mounted single file keeps its
     * inode.  One write over the old value, then the rest of a longer old
     * content cut: truncating first would show the tracers polling it an
     * empty file, a change of its own (seen: a stand-in tracer took two
     * snapshots for one trigger). */
    fd = open(t->file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    int n = snprintf(buf, sizeof buf, "%llu\n", (unsigned long long)t->counter);
    if (fd < 0 || pwrite(fd, buf, (size_t)n, 0) != n || ftruncate(fd, n) != 0) {
        snprintf(note, notelen, "--trigger-file %s: %s", t->file, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

static int run_command(const struct drv_trigger *t, unsigned seq, const char *phase,
                       const volatile sig_atomic_t *stop, char *note, size_t notelen)
{
    char s_seq[48], s_phase[96];
    snprintf(s_seq, sizeof s_seq, "CCX_SNAPSHOT_SEQ=%u", seq);
    snprintf(s_phase, sizeof s_phase, "CCX_SNAPSHOT_PHASE=%s", phase);
    char *env[] = {s_seq, s_phase, NULL};
    return drv_shell("--trigger-exec", t->exec, env, t->timeout_ns, stop, note, notelen) == 0 ? 0 : -1;
}

int drv_trigger_fire(struct drv_trigger *t, unsigned seq, const char *phase,
                     const volatile sig_atomic_t *stop, char ***files, size_t *nfiles, char *note,
                     size_t notelen)
{
    struct names before = {0}, found = {0};
    int rc = 0;
    *files = NULL;
    *nfiles = 0;
    note[0] = '\0';
    if (t->snapdir)
        scan(t->snapdir, NULL, &before);
    int fired = 0;
    if (t->file) {
        if (write_counter(t, note, notelen))
            rc = -1;
        else
            fired = 1;
    }
    size_t signalled = 0;
    for (size_t i = 0; i < t->npids; i++) {
        char why[300];
        if (drv_check_pid_signal(t->pids[i], trigger_signal(t), why, sizeof why) == 0 &&
            kill(t->pids[i], trigger_signal(t)) == 0) {
            signalled++;
            fired = 1;
        } else {
            if (!note[0])
                snprintf(note, notelen, "%s", why);
            rc = -1;
        }
    }
    if (t->exec) {
        char why[300];
        if (run_command(t, seq, phase, stop, why, sizeof why)) {
            if (!note[0])
                snprintf(note, notelen, "%s", why);
            rc = -1;
        } else {
            fired = 1;
        }
    }
    if (t->snapdir && fired && !*stop) {
        size_t want = signalled ? signalled : 1;
        uint64_t start = drv_mono_ns(), deadline = start + t->timeout_ns, grace_end = 0;
        for (;;) {
            scan(t->snapdir, &before, &found);
            uint64_t now = drv_mono_ns();
            if (found.n >= want && !grace_end)
                grace_end = now + GRACE_NS;
            if ((grace_end && now >= grace_end) || now >= deadline || *stop)
                break;
            drv_sleep_ns(POLL_NS);
        }
        if (found.n < want && !note[0])
            snprintf(note, notelen, "%zu of %zu expected snapshot file(s) in %s after %.1f s", found.n,
                     want, t->snapdir, (double)(drv_mono_ns() - start) / 1e9);
    }
    names_free(&before);
    *files = found.v;
    *nfiles = found.n;
    return rc;
}

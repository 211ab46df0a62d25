/* ccx_cgroup.c - the process's memory cgroup (see ccx_cgroup.h).
 *
 * Finding it: /proc/self/mountinfo names the mounts (a v1 "cgroup" mount
 * whose options list "memory", or a "cgroup2" mount) and the cgroup path
 * each mount's root stands for; /proc/self/cgroup names the process's
 * cgroup in each hierarchy.  The directory is the mount point plus the
 * process's path below the mount's root: in a v1 container the memory
 * mount's root is the container's own cgroup, so the directory is the
 * mount point itself and the ancestors are out of sight.
 *
 * Reading it: usage and memory.stat in the directory; the limit is the
 * smallest of the directory's and every ancestor's up to the mount point
 * (v2 memory.max, "max" = none; v1 memory.limit_in_bytes) and, on v1,
 * memory.stat's hierarchical_memory_limit, which includes the invisible
 * ancestors.  v1's sentinel and v2's "max" mean no limit.
 */
#include "ccx_cgroup.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Calls fn for each line of path (without its newline); lines longer
 * than the buffer are cut.  -1 when the file cannot be opened. */
static int each_line(const char *path, void (*fn)(char *line, void *arg), void *arg)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char buf[8192];
    size_t have = 0;
    for (;;) {
        ssize_t r = read(fd, buf + have, sizeof buf - 1 - have);
        if (r > 0)
            have += (size_t)r;
        buf[have] = 0;
        char *p = buf, *nl;
        while ((nl = strchr(p, '\n'))) {
            *nl = 0;
            fn(p, arg);
            p = nl + 1;
        }
        size_t rest = have - (size_t)(p - buf);
        if (r <= 0 || rest == sizeof buf - 1) { /* end, or a line too long */
            if (rest)
                fn(p, arg);
            rest = 0;
            if (r <= 0)
                break;
        }
        memmove(buf, p, rest);
        have = rest;
    }
    close(fd);
    return 0;
}

/* ---- mountinfo ---- */
struct mounts {
    char v1_root[CCX_CG_PATH], v1_point[CCX_CG_PATH];
    char v2_root[CCX_CG_PATH], v2_point[CCX_CG_PATH];
    int v1, v2;
};

/* The n-th space-separated field of line (0-based), copied into out. */
static int field(const char *line, int n, char *out, size_t cap)
{
    const char *p = line;
    for (int i = 0; i < n && p; i++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    if (!p)
        return -1;
    size_t len = strcspn(p, " ");
    if (len >= cap)
        return -1;
    memcpy(out, p, len);
    out[len] = 0;
    return 0;
}

static int has_word(const char *list, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = list; p; p = strchr(p, ',')) {
        if (*p == ',')
            p++;
        if (strncmp(p, word, wl) == 0 && (p[wl] == ',' || p[wl] == 0))
            return 1;
    }
    return 0;
}

/* "36 25 0:32 /root /mount/point rw,relatime shared:1 - cgroup cgroup rw,memory" */
static void mount_line(char *line, void *arg)
{
    struct mounts *m = arg;
    char root[CCX_CG_PATH], point[CCX_CG_PATH], type[32], opts[512];
    const char *dash = strstr(line, " - ");
    if (!dash || field(line, 3, root, sizeof root) || field(line, 4, point, sizeof point) ||
        field(dash + 3, 0, type, sizeof type) || field(dash + 3, 2, opts, sizeof opts))
        return;
    if (strcmp(type, "cgroup") == 0 && !m->v1 && has_word(opts, "memory")) {
        m->v1 = 1;
        strcpy(m->v1_root, root);
        strcpy(m->v1_point, point);
    } else if (strcmp(type, "cgroup2") == 0 && !m->v2) {
        m->v2 = 1;
        strcpy(m->v2_root, root);
        strcpy(m->v2_point, point);
    }
}

/* ---- /proc/self/cgroup ---- */
struct paths {
    char v1[CCX_CG_PATH], v2[CCX_CG_PATH];
    int has_v1, has_v2;
};

/* "4:memory:/a/b" (v1) or "0::/a/b" (v2) */
static void cgroup_line(char *line, void *arg)
{
    struct paths *p = arg;
    char *c1 = strchr(line, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2 || strlen(c2 + 1) >= CCX_CG_PATH)
        return;
    *c1 = 0;
    *c2 = 0;
    if (strcmp(line, "0") == 0 && c1 + 1 == c2) {
        strcpy(p->v2, c2 + 1);
        p->has_v2 = 1;
    } else if (has_word(c1 + 1, "memory")) {
        strcpy(p->v1, c2 + 1);
        p->has_v1 = 1;
    }
}

/* dir = root + point + (path below mroot); the mount point alone when the
 * path is not below the mount's root (a cgroup namespace shows "/"). */
static int make_dir(struct ccx_cgroup *cg, const char *root, const char *point, const char *mroot,
                    const char *path)
{
    size_t rl = strcmp(mroot, "/") == 0 ? 0 : strlen(mroot);
    const char *below = "";
    if (strncmp(path, mroot, rl) == 0 && (path[rl] == '/' || path[rl] == 0))
        below = path + rl;
    if (strcmp(below, "/") == 0)
        below = "";
    int n = snprintf(cg->dir, sizeof cg->dir, "%s%s", root, strcmp(point, "/") == 0 ? "" : point);
    if (n < 0 || (size_t)n >= sizeof cg->dir)
        return -1;
    cg->mnt_len = n;
    n = snprintf(cg->dir + n, sizeof cg->dir - (size_t)n, "%s", below);
    return n < 0 || (size_t)(cg->mnt_len + n) >= sizeof cg->dir ? -1 : 0;
}

int ccx_cgroup_find(const char *root, struct ccx_cgroup *cg)
{
    char path[CCX_CG_PATH + 64];
    struct mounts m;
    struct paths p;
    memset(cg, 0, sizeof *cg);
    memset(&m, 0, sizeof m);
    memset(&p, 0, sizeof p);
    snprintf(path, sizeof path, "%s/proc/self/mountinfo", root);
    if (each_line(path, mount_line, &m) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/proc/self/cgroup", root);
    if (each_line(path, cgroup_line, &p) != 0)
        return -1;
    if (m.v1 && p.has_v1) {
        if (make_dir(cg, root, m.v1_point, m.v1_root, p.v1) != 0)
            return -1;
        cg->version = 1;
    } else if (m.v2 && p.has_v2) {
        if (make_dir(cg, root, m.v2_point, m.v2_root, p.v2) != 0)
            return -1;
        cg->version = 2;
    } else {
        return -1;
    }
    return 0;
}

/* ---- reading ---- */

/* A file holding one number ("max" and v1's sentinel: UINT64_MAX). */
static int read_u64(const char *dir, int len, const char *name, uint64_t *out)
{
    char path[CCX_CG_PATH + 64], b[64];
    snprintf(path, sizeof path, "%.*s/%s", len, dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, b, sizeof b - 1);
    close(fd);
    if (n <= 0)
        return -1;
    b[n] = 0;
    if (strncmp(b, "max", 3) == 0) {
        *out = UINT64_MAX;
        return 0;
    }
    if (b[0] < '0' || b[0] > '9')
        return -1;
    *out = strtoull(b, NULL, 10);
    if (*out >= CCX_CG_V1_UNLIMITED)
        *out = UINT64_MAX;
    return 0;
}

struct stat_vals {
    uint64_t inactive, total_inactive, hier_limit;
    int has_total;
};

static void stat_line(char *line, void *arg)
{
    struct stat_vals *s = arg;
    char *sp = strchr(line, ' ');
    if (!sp)
        return;
    *sp = 0;
    uint64_t v = strtoull(sp + 1, NULL, 10);
    if (strcmp(line, "inactive_file") == 0)
        s->inactive = v;
    else if (strcmp(line, "total_inactive_file") == 0) {
        s->total_inactive = v;
        s->has_total = 1;
    } else if (strcmp(line, "hierarchical_memory_limit") == 0)
        s->hier_limit = v >= CCX_CG_V1_UNLIMITED ? UINT64_MAX : v;
}

int ccx_cgroup_read(const struct ccx_cgroup *cg, struct ccx_cgmem *m)
{
    memset(m, 0, sizeof *m);
    if (cg->version != 1 && cg->version != 2)
        return -1;
    int v1 = cg->version == 1;
    int len = (int)strlen(cg->dir);
    if (read_u64(cg->dir, len, v1 ? "memory.usage_in_bytes" : "memory.current", &m->usage) != 0 ||
        m->usage == UINT64_MAX)
        return -1;
    struct stat_vals s = {0, 0, UINT64_MAX, 0};
    char path[CCX_CG_PATH + 64];
    snprintf(path, sizeof path, "%s/memory.stat", cg->dir);
    each_line(path, stat_line, &s);
    m->inactive_file = v1 && s.has_total ? s.total_inactive : s.inactive;
    m->working_set = m->usage > m->inactive_file ? m->usage - m->inactive_file : 0;
    /* the directory and each ancestor up to the mount point */
    uint64_t limit = v1 ? s.hier_limit : UINT64_MAX;
    for (;;) {
        uint64_t l;
        if (read_u64(cg->dir, len, v1 ? "memory.limit_in_bytes" : "memory.max", &l) == 0 && l < limit)
            limit = l;
        if (len <= cg->mnt_len)
            break;
        while (len > cg->mnt_len && cg->dir[len - 1] != '/')
            len--;
        if (len > cg->mnt_len)
            len--; /* the slash */
    }
    m->limit = limit == UINT64_MAX ? 0 : limit;
    return 0;
}

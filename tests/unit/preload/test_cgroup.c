/* test_cgroup.c - the memory cgroup reader (preload/base/ccx_cgroup.c) on fake
 * /proc and /sys/fs/cgroup trees this test writes itself: v1 in a
 * container (the ancestors invisible, the limit from
 * hierarchical_memory_limit) and on a host (a limit on an ancestor), a
 * hybrid host with a cgroup2 mount beside the v1 memory controller, v2,
 * v2 nested with the smaller limit on an ancestor, "max" everywhere, v1's
 * unlimited sentinel, a "0::" line without any cgroup2 mount, missing
 * files; working set = usage - inactive file pages. */
#include "check.h"
#include "ccx_cgroup.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define MiB (1024ull * 1024)

static char root[256];

static void put(const char *path, const char *text)
{
    char full[1024];
    snprintf(full, sizeof full, "%s%s", root, path);
    for (char *p = full + strlen(root) + 1; (p = strchr(p, '/')); p++) {
        *p = 0;
        mkdir(full, 0755);
        *p = '/';
    }
    FILE *f = fopen(full, "w");
    if (!f) {
        perror(full);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

static void fresh(const char *name)
{
    snprintf(root, sizeof root, "%s/ccx-cgroup-test.%d.%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (int)getpid(), name);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        exit(2);
    mkdir(root, 0755);
}

static void cleanup(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", root);
}

#define V1_MOUNTS                                                                            \
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"                    \
    "32 31 0:29 %s /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"                  \
    "35 31 0:32 %s /sys/fs/cgroup/memory rw,nosuid shared:9 - cgroup cgroup rw,memory\n"     \
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"

static void v1_mounts(const char *mroot)
{
    char b[1024];
    snprintf(b, sizeof b, V1_MOUNTS, mroot, mroot);
    put("/proc/self/mountinfo", b);
}

static void v1_container(void)
{
    struct ccx_cgroup cg;
    struct ccx_cgmem m;
    fresh("v1c");
    v1_mounts("/machine.slice/libpod-abc");
    put("/proc/self/cgroup", "4:memory:/machine.slice/libpod-abc\n1:cpu:/machine.slice/libpod-abc\n0::/\n");
    put("/sys/fs/cgroup/memory/memory.usage_in_bytes", "157286400\n");
    put("/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
    put("/sys/fs/cgroup/memory/memory.stat", "cache 60000000\ninactive_file 10485760\nhierarchical_memory_limit "
                                             "209715200\ntotal_inactive_file 52428800\n");
    CHECK_EQ_INT(ccx_cgroup_find(root, &cg), 0);
    CHECK_EQ_INT(cg.version, 1);
    char want[600];
    snprintf(want, sizeof want, "%s/sys/fs/cgroup/memory", root);
    CHECK_STR(cg.dir, want);
    CHECK_EQ_INT(ccx_cgroup_read(&cg, &m), 0);
    CHECK_EQ_U64(m.limit, 200 * MiB);
    CHECK_EQ_U64(m.usage, 150 * MiB);
    CHECK_EQ_U64(m.inactive_file, 50 * MiB); /* total_, not the cgroup's own */
    CHECK_EQ_U64(m.working_set, 100 * MiB);
}

static void v1_host(void)
{
    struct ccx_cgroup cg;
    struct ccx_cgmem m;
    fresh("v1h");
    v1_mounts("/");
    put("/proc/self/cgroup", "4:memory:/a/b\n0::/\n");
    put("/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
    put("/sys/fs/cgroup/memory/a/memory.limit_in_bytes", "314572800\n");
    put("/sys/fs/cgroup/memory/a/b/memory.limit_in_bytes", "9223372036854771712\n");
    put("/sys/fs/cgroup/memory/a/b/memory.usage_in_bytes", "1000\n");
    /* no hierarchical figure: the walk up finds /a's limit */
    put("/sys/fs/cgroup/memory/a/b/memory.stat", "total_inactive_file 3000\n");
    CHECK_EQ_INT(ccx_cgroup_find(root, &cg), 0);
    CHECK_EQ_INT(cg.version, 1);
    char want[600];
    snprintf(want, sizeof want, "%s/sys/fs/cgroup/memory/a/b", root);
    CHECK_STR(cg.dir, want);
    CHECK_EQ_INT(ccx_cgroup_read(&cg, &m), 0);
    CHECK_EQ_U64(m.limit, 300 * MiB);
    CHECK_EQ_U64(m.usage, 1000);
    CHECK_EQ_U64(m.working_set, 0); /* inactive above usage: clamped */

    /* all unlimited (the sentinel): no limit */
    put("/sys/fs/cgroup/memory/a/memory.limit_in_bytes", "9223372036854771712\n");
    put("/sys/fs/cgroup/memory/a/b/memory.stat", "hierarchical_memory_limit 9223372036854771712\n");
    CHECK_EQ_INT(ccx_cgroup_read(&cg, &m), 0);
    CHECK_EQ_U64(m.limit, 0);
}

#define V2_MOUNTS                                                                        \
    "25 1 8:1 / / rw - ext4 /dev/sda1 rw\n"                                              \
    "30 25 0:26 %s /sys/fs/cgroup rw,nosuid,nodev shared:4 - cgroup2 cgroup2 rw,nsdelegate\n"

static void v2_tree(const char *mroot, const char *path)
{
    char b[1024];
    snprintf(b, sizeof b, V2_MOUNTS, mroot);
    put("/proc/self/mountinfo", b);
    snprintf(b, sizeof b, "0::%s\n", path);
    put("/proc/self/cgroup", b);
}

static void v2(void)
{
    struct ccx_cgroup cg;
    struct ccx_cgmem m;
    fresh("v2");
    v2_tree("/", "/user.slice/app");
    put("/sys/fs/cgroup/user.slice/app/memory.max", "500000000\n");
    put("/sys/fs/cgroup/user.slice/app/memory.current", "400000000\n");
    put("/sys/fs/cgroup/user.slice/app/memory.stat", "anon 1\nfile 2\ninactive_file 100000000\nactive_file 5\n");
    put("/sys/fs/cgroup/user.slice/memory.max", "max\n");
    CHECK_EQ_INT(ccx_cgroup_find(root, &cg), 0);
    CHECK_EQ_INT(cg.version, 2);
    CHECK_EQ_INT(ccx_cgroup_read(&cg, &m), 0);
    CHECK_EQ_U64(m.limit, 500000000);
    CHECK_EQ_U64(m.usage, 400000000);
    CHECK_EQ_U64(m.working_set, 300000000);

    /* nested: the ancestor's smaller limit counts */
    put("/sys/fs/cgroup/user.slice/memory.max", "100000000\n");
    CHECK_EQ_INT(ccx_cgroup_read(&cg, &m), 0);
    CHECK_EQ_U64(m.limit, 100000000);

    /* max everywhere: no limit */
    put("/sys/fs/cgroup/user.slice/memory.max", "max\n");
    put("/sys/fs/cgroup/user.slice/app/memory.max", "max\n");
    CHECK_EQ_INT(ccx_cgroup_read(&cg, &m), 0);
    CHECK_EQ_U64(m.limit, 0);
    CHECK_EQ_U64(m.working_set, 300000000);

    /* memory.current missing: no reading; memory.stat missing: no inactive pages */
    unlink(strcat(strcpy((char[1100]){0}, cg.dir), "/memory.stat"));
    CHECK_EQ_INT(ccx_cgroup_read(&cg, &m), 0);
    CHECK_EQ_U64(m.working_set, 400000000);
    unlink(strcat(strcpy((char[1100]){0}, cg.dir), "/memory.current"));
    CHECK_EQ_INT(ccx_cgroup_read(&cg, &m), -1);
}

static void v2_namespace(void)
{
    /* a container with its own cgroup namespace: "0::/" and the mount's root "/" */
    struct ccx_cgroup cg;
    struct ccx_cgmem m;
    fresh("v2ns");
    v2_tree("/", "/");
    put("/sys/fs/cgroup/memory.max", "209715200\n");
    put("/sys/fs/cgroup/memory.current", "1048576\n");
    CHECK_EQ_INT(ccx_cgroup_find(root, &cg), 0);
    char want[600];
    snprintf(want, sizeof want, "%s/sys/fs/cgroup", root);
    CHECK_STR(cg.dir, want);
    CHECK_EQ_INT(ccx_cgroup_read(&cg, &m), 0);
    CHECK_EQ_U64(m.limit, 200 * MiB);
    CHECK_EQ_U64(m.working_set, MiB);
    /* the mount's root is the container's cgroup, the path shows it whole */
    v2_tree("/machine.slice/x", "/machine.slice/x/app");
    put("/sys/fs/cgroup/app/memory.current", "7\n");
    CHECK_EQ_INT(ccx_cgroup_find(root, &cg), 0);
    CHECK_EQ_INT(ccx_cgroup_read(&cg, &m), 0);
    CHECK_EQ_U64(m.usage, 7);
    CHECK_EQ_U64(m.limit, 200 * MiB);
}

static void not_found(void)
{
    struct ccx_cgroup cg;
    /* podman's v1 container: a 0:: line, no cgroup2 mount, no v1 memory mount */
    fresh("none");
    put("/proc/self/mountinfo", "25 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                                "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n");
    put("/proc/self/cgroup", "1:cpu:/\n0::/\n");
    CHECK_EQ_INT(ccx_cgroup_find(root, &cg), -1);
    CHECK_EQ_INT(cg.version, 0);
    /* no mountinfo at all */
    fresh("none2");
    put("/proc/self/cgroup", "0::/\n");
    CHECK_EQ_INT(ccx_cgroup_find(root, &cg), -1);
    /* a v1 memory mount but the process's memory line missing */
    fresh("none3");
    v1_mounts("/");
    put("/proc/self/cgroup", "1:cpu:/\n");
    CHECK_EQ_INT(ccx_cgroup_find(root, &cg), -1);
    struct ccx_cgmem m;
    CHECK_EQ_INT(ccx_cgroup_read(&cg, &m), -1);
}

static void real_system(void)
{
    /* whatever this machine has: found or not, never a crash, and a
     * reading that is found has usage >= working set */
    struct ccx_cgroup cg;
    struct ccx_cgmem m;
    if (ccx_cgroup_find("", &cg) == 0 && ccx_cgroup_read(&cg, &m) == 0) {
        CHECK(m.usage >= m.working_set);
        fprintf(stderr, "this machine: v%d %s limit %llu usage %llu working set %llu\n", cg.version, cg.dir,
                (unsigned long long)m.limit, (unsigned long long)m.usage, (unsigned long long)m.working_set);
    }
}

int main(void)
{
    v1_container();
    v1_host();
    v2();
    v2_namespace();
    not_found();
    cleanup();
    real_system();
    return check_done();
}

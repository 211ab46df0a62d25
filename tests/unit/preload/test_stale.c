/* test_stale.c - the sweep of temporary snapshot files left by writers
 * that died (preload/output/ccx_stale.c), on a real directory: only the tracer's
 * own name pattern, only regular files this uid owns, not modified in the
 * last 60 s, and only when no one holds the writer's OFD lock (a lock
 * taken here through a second open file description conflicts like
 * another process's). */
#include "check.h"
#include "ccx_stale.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char dir[256];

static const char *at(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

/* A file of `name` with some bytes, its mtime `age` seconds ago. */
static void make(const char *name, long age)
{
    int fd = open(at(name), O_WRONLY | O_CREAT | O_EXCL, 0600);
    CHECK_MSG(fd >= 0, "cannot create %s", name);
    if (fd < 0)
        return;
    CHECK(write(fd, "{\"format\":", 10) == 10);
    struct timespec t[2] = {{time(NULL) - age, 0}, {time(NULL) - age, 0}};
    CHECK(futimens(fd, t) == 0);
    close(fd);
}

static int exists(const char *name)
{
    struct stat st;
    return lstat(at(name), &st) == 0;
}

int main(void)
{
    /* the name pattern */
    CHECK(ccx_stale_name_ok("ccxtrace.host.12.1795739900.3.json.tmp"));
    CHECK(ccx_stale_name_ok("ccxtrace.pod-a.example.com.1.2.0.json.tmp"));
    CHECK(!ccx_stale_name_ok("ccxtrace.host.12.1795739900.3.json"));
    CHECK(!ccx_stale_name_ok("ccxtrace.host.12.1795739900.json.tmp"));
    CHECK(!ccx_stale_name_ok("ccxtrace..12.1795739900.3.json.tmp"));
    CHECK(!ccx_stale_name_ok("ccxtrace.12.1795739900.3.json.tmp"));
    CHECK(!ccx_stale_name_ok("ccxtrace.host.12.17x5739900.3.json.tmp"));
    CHECK(!ccx_stale_name_ok("ccxtrace.host.12.1795739900.3.json.tmp.bak"));
    CHECK(!ccx_stale_name_ok("ccxtrace.host.12.1795739900.stats.csv.tmp"));
    CHECK(!ccx_stale_name_ok("other.host.12.1795739900.3.json.tmp"));
    CHECK(!ccx_stale_name_ok("ccxtrace.json.tmp"));
    CHECK(!ccx_stale_name_ok(""));

    snprintf(dir, sizeof dir, "%s/stale.XXXXXX", getenv("CCX_TMP") ? getenv("CCX_TMP") : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    const char *old_dead = "ccxtrace.h.100.200.1.json.tmp";   /* removed */
    const char *old_dead2 = "ccxtrace.h.101.200.7.json.tmp";  /* removed */
    const char *old_locked = "ccxtrace.h.102.200.1.json.tmp"; /* a writer still at it */
    const char *fresh = "ccxtrace.h.103.200.1.json.tmp";      /* 10 s old */
    const char *foreign[] = {"ccxtrace.h.104.200.1.json.tmp.bak", "ccxtrace.h.104.200.x.json.tmp",
                             "ccxtrace.h.104.200.stats.csv.tmp", "app.h.104.200.1.json.tmp", "ccxtrace.h.104.200.1.json"};
    make(old_dead, 120);
    make(old_dead2, 3600);
    make(old_locked, 120);
    make(fresh, 10);
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++)
        make(foreign[i], 120);
    /* a directory and a symlink named like the pattern */
    CHECK(mkdir(at("ccxtrace.h.105.200.1.json.tmp"), 0700) == 0);
    make("target", 120);
    CHECK(symlink("target", at("ccxtrace.h.106.200.1.json.tmp")) == 0);

    int lk = open(at(old_locked), O_WRONLY);
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    CHECK(lk >= 0 && fcntl(lk, F_OFD_SETLK, &fl) == 0);

    CHECK_EQ_INT(ccx_stale_sweep(dir), 2);
    CHECK(!exists(old_dead));
    CHECK(!exists(old_dead2));
    CHECK_MSG(exists(old_locked), "a locked file was removed");
    CHECK_MSG(exists(fresh), "a file modified 10 s ago was removed");
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++)
        CHECK_MSG(exists(foreign[i]), "%s removed", foreign[i]);
    CHECK(exists("ccxtrace.h.105.200.1.json.tmp"));
    CHECK(exists("ccxtrace.h.106.200.1.json.tmp"));
    CHECK(exists("target"));

    /* the writer's lock gone (its process died): the file goes */
    close(lk);
    CHECK_EQ_INT(ccx_stale_sweep(dir), 1);
    CHECK(!exists(old_locked));

    /* a file another uid owns stays (only when we may chown: root) */
    if (geteuid() == 0) {
        make("ccxtrace.h.107.200.1.json.tmp", 120);
        CHECK(chown(at("ccxtrace.h.107.200.1.json.tmp"), 65534, 65534) == 0);
        CHECK_EQ_INT(ccx_stale_sweep(dir), 0);
        CHECK(exists("ccxtrace.h.107.200.1.json.tmp"));
    }

    /* once per process image */
    make("ccxtrace.h.108.200.1.json.tmp", 120);
    ccx_stale_sweep_once(dir);
    CHECK(!exists("ccxtrace.h.108.200.1.json.tmp"));
    make("ccxtrace.h.108.200.1.json.tmp", 120);
    ccx_stale_sweep_once(dir);
    CHECK(exists("ccxtrace.h.108.200.1.json.tmp"));
    CHECK_EQ_INT(ccx_stale_sweep("/nonexistent/dir"), 0);
    return check_done();
}

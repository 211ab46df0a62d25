/* ccx_stale.c - removes the temporary files of snapshot writers that died.
 *
 * A writer (ccx_snapshot.c) takes an open-file-description lock
 * (F_OFD_SETLK, write) on its <name>.json.tmp at once after creating it
 * and keeps it until after the rename.  A process killed while writing
 * leaves the file behind, unlocked: the kernel drops an OFD lock when the
 * last descriptor of its open file is closed, which a kill does.
 *
 * Once per process image (not again in fork children), the helper thread
 * looks through CCXTRACE_DIR, off the traced program's path, and removes a
 * file only when every one of these holds:
 *  - its name is the tracer's own pattern, ccxtrace.<host>.<pid>.<start>.<seq>.json.tmp;
 *  - it is a regular file (a symlink is not followed) owned by our uid;
 *  - it was not modified in the last CCX_STALE_AGE_S seconds (a writer
 *    between its create and its lock, or on a file system without OFD
 *    locks, is still writing it);
 *  - a read lock on it can be taken, i.e. no live writer holds its write
 *    lock.
 * Host name and pid alone prove nothing: the containers of one pod share
 * a host name and are each pid 1, so another container's write in
 * progress in a shared directory would look like our own dead one.  The
 * lock tells, across containers of one kernel (and over NFS's lock
 * manager).  Where the lock cannot be taken for any reason, the file is
 * kept.  (A child forked during a write shares the writer's open file,
 * and so its lock, until it exits or execs: the file is kept that long.)
 */
#include "ccx_stale.h"
#include "ccx_format.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* "." then one or more digits, ending at end: the start of that run, or NULL. */
static const char *digits_before(const char *start, const char *end)
{
    const char *p = end;
    while (p > start && p[-1] >= '0' && p[-1] <= '9')
        p--;
    if (p == end || p == start || p[-1] != '.')
        return NULL;
    return p - 1;
}

int ccx_stale_name_ok(const char *name)
{
    static const char prefix[] = CCX_FILE_PREFIX, suffix[] = CCX_FILE_SUFFIX CCX_TMP_SUFFIX;
    size_t n = strlen(name), np = sizeof prefix - 1, ns = sizeof suffix - 1;
    if (n <= np + ns || strncmp(name, prefix, np) != 0 || strcmp(name + n - ns, suffix) != 0)
        return 0;
    const char *host = name + np, *end = name + n - ns;
    for (int field = 0; field < 3 && end; field++) /* seq, start, pid */
        end = digits_before(host, end);
    return end != NULL && end > host; /* and a host name before them */
}

/* Can a read lock be taken on the whole of fd's file (no writer holds it)? */
static int unlocked(int fd)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_RDLCK;
    fl.l_whence = SEEK_SET;
    return fcntl(fd, F_OFD_SETLK, &fl) == 0;
}

/* Removes dir's entry name when it is a stale temporary file; 1 if it did. */
static int remove_if_stale(int dfd, const char *name, time_t now)
{
    struct stat st, again;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return 0;
    int gone = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
        now - st.st_mtim.tv_sec >= CCX_STALE_AGE_S && unlocked(fd) &&
        /* still the same file under that name */
        fstatat(dfd, name, &again, AT_SYMLINK_NOFOLLOW) == 0 && again.st_dev == st.st_dev &&
        again.st_ino == st.st_ino)
        gone = unlinkat(dfd, name, 0) == 0;
    close(fd);
    return gone;
}

int ccx_stale_sweep(const char *dir)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return 0;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return 0;
    }
    int removed = 0;
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if ((e->d_type == DT_REG || e->d_type == DT_UNKNOWN) && ccx_stale_name_ok(e->d_name))
            removed += remove_if_stale(dfd, e->d_name, now);
    closedir(d);
    return removed;
}

void ccx_stale_sweep_once(const char *dir)
{
    /* not reset in a fork child: the parent's sweep covered the directory */
    static int done;
    if (__atomic_exchange_n(&done, 1, __ATOMIC_ACQ_REL))
        return;
    ccx_stale_sweep(dir);
}

/* command.c - running a shell command bounded in time (command.h): its own
 * process group, ended whole on timeout or interruption. */
#include "command.h"
#include "clock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define POLL_NS 10000000ull        /* 10 ms */
#define KILL_GRACE_NS 500000000ull /* SIGTERM, then SIGKILL after this */

static int read_small(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t r = read(fd, buf, len - 1);
    close(fd);
    buf[r > 0 ? r : 0] = '\0';
    return r > 0 ? 0 : -1;
}

/* True while a live process of group pgid exists.  A killed grandchild
 * stays a zombie until its new parent (pid 1) reaps it, which kill(-pgid, 0)
 * still counts: those are looked up in /proc and not counted. */
static int group_alive(pid_t pgid)
{
    if (kill(-pgid, 0) != 0 && errno == ESRCH)
        return 0;
    DIR *d = opendir("/proc");
    if (!d)
        return 1;
    int alive = 0;
    struct dirent *de;
    while (!alive && (de = readdir(d))) {
        char path[300], text[512];
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
        if (read_small(path, text, sizeof text) != 0)
            continue;
        /* pid (comm) state ppid pgrp ...: comm may hold spaces and ')' */
        const char *p = strrchr(text, ')');
        char state;
        int ppid, pgrp;
        if (p && sscanf(p + 1, " %c %d %d", &state, &ppid, &pgrp) == 3 && pgrp == pgid &&
            state != 'Z' && state != 'X')
            alive = 1;
    }
    closedir(d);
    return alive;
}

/* Ends the command's whole process group, not only its shell (a `sleep`
 * the shell started would otherwise live on under pid 1): SIGTERM to the
 * group, then SIGKILL to what is left after KILL_GRACE_NS; reaps the shell
 * and waits (bounded) until no process of the group is left. */
static void kill_group(pid_t pid, int *status)
{
    int reaped = 0;
    kill(-pid, SIGTERM);
    uint64_t grace_end = drv_mono_ns() + KILL_GRACE_NS;
    while (drv_mono_ns() < grace_end) {
        if (!reaped && waitpid(pid, status, WNOHANG) == pid)
            reaped = 1;
        if (reaped && !group_alive(pid))
            return;
        drv_sleep_ns(POLL_NS);
    }
    kill(-pid, SIGKILL);
    if (!reaped)
        waitpid(pid, status, 0);
    /* Grandchildren killed above are reaped by their new parent; wait
     * until they are gone so nothing of the command outlives this call. */
    for (uint64_t end = drv_mono_ns() + KILL_GRACE_NS; group_alive(pid) && drv_mono_ns() < end;)
        drv_sleep_ns(POLL_NS);
}

int drv_shell(const char *what, const char *cmd, char *const *env, uint64_t timeout_ns,
              const volatile sig_atomic_t *stop, char *note, size_t notelen)
{
    note[0] = '\0';
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(note, notelen, "%s: fork: %s", what, strerror(errno));
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0); /* its own process group, so a timeout can end all of it */
        for (size_t i = 0; env && env[i]; i++)
            putenv(env[i]);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid); /* also here: no window where a kill of the group misses */
    uint64_t deadline = drv_mono_ns() + timeout_ns;
    int status;
    for (uint64_t step = POLL_NS / 10;; step = step * 2 < POLL_NS * 5 ? step * 2 : POLL_NS * 5) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            snprintf(note, notelen, "%s: waitpid: %s", what, strerror(errno));
            return -1;
        }
        if (drv_mono_ns() >= deadline || *stop) {
            kill_group(pid, &status);
            snprintf(note, notelen, "%s: command %s, killed (its whole process group)", what,
                     *stop ? "interrupted" : "timed out");
            return -1;
        }
        drv_sleep_ns(step);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(note, notelen, "%s: command failed (%s %d)", what,
                 WIFEXITED(status) ? "exit status" : "signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        return 1;
    }
    return 0;
}

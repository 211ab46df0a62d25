/* api.c - a host program for the option, output-directory and trigger
 * tests.  Prints "hello", keeps 100 blocks from api_leak, and exits with
 * status 3 (so a test sees that the tracer changes neither).
 *   api                 just that
 *   api sleep MS        ... staying alive MS milliseconds
 *   api closefds MS     ... after closing every descriptor above 2
 *   api snap LABEL...   asks for one snapshot per LABEL (ccxtrace_snapshot,
 *                       declared weak), printing the returned numbers
 *   api plant DIR VICTIM  takes snapshot 1, waits for its file, then plants
 *                       symlinks at snapshot 2's temporary name and at
 *                       snapshot 3's final name, asks for both and waits
 *   api planttmp DIR N  takes snapshot 1, waits for it, plants regular files
 *                       at the temporary names of snapshots 2..N+1, asks
 *                       for those N and waits */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int ccxtrace_snapshot(const char *label) __attribute__((weak));
void *kept[100];

__attribute__((noinline)) void api_leak(void)
{
    for (int i = 0; i < 100; i++)
        kept[i] = malloc(4000);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* The name of the first file in dir ending in suffix, waiting up to 10 s. */
static int wait_for(const char *dir, const char *suffix, char *out, size_t cap)
{
    for (int t = 0; t < 1000; t++) {
        DIR *d = opendir(dir);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            size_t n = strlen(e->d_name), k = strlen(suffix);
            if (n > k && strcmp(e->d_name + n - k, suffix) == 0) {
                snprintf(out, cap, "%s", e->d_name);
                closedir(d);
                return 0;
            }
        }
        if (d)
            closedir(d);
        sleep_ms(10);
    }
    return -1;
}

int main(int argc, char **argv)
{
    printf("hello\n");
    fflush(stdout);
    api_leak();
    if (argc > 2 && strcmp(argv[1], "closefds") == 0) { /* like a daemon */
        for (int fd = 3; fd < 1024; fd++)
            close(fd);
        sleep_ms(atol(argv[2]));
    }
    if (argc > 2 && strcmp(argv[1], "sleep") == 0)
        sleep_ms(atol(argv[2]));
    if (argc > 1 && strcmp(argv[1], "snap") == 0)
        for (int i = 2; i < argc; i++)
            printf("seq %d\n", ccxtrace_snapshot ? ccxtrace_snapshot(argv[i]) : -2);
    if (argc > 3 && strcmp(argv[1], "plant") == 0 && ccxtrace_snapshot) {
        char name[512], path[1024];
        int s1 = ccxtrace_snapshot("first");
        if (s1 != 1 || wait_for(argv[2], ".1.json", name, sizeof name) != 0) {
            printf("snapshot 1 missing\n");
            return 1;
        }
        name[strlen(name) - strlen("1.json")] = 0; /* prefix up to the seq */
        snprintf(path, sizeof path, "%s/%s2.json.tmp", argv[2], name);
        if (symlink(argv[3], path) != 0)
            return 1;
        snprintf(path, sizeof path, "%s/%s3.json", argv[2], name);
        char victim2[1024];
        snprintf(victim2, sizeof victim2, "%s.final", argv[3]);
        if (symlink(victim2, path) != 0)
            return 1;
        int s2 = ccxtrace_snapshot("second"), s3 = ccxtrace_snapshot("third");
        printf("planted for %d and %d\n", s2, s3);
        sleep_ms(1500);
    }
    if (argc > 3 && strcmp(argv[1], "planttmp") == 0 && ccxtrace_snapshot) {
        char name[512], path[1024];
        int n = atoi(argv[3]);
        if (ccxtrace_snapshot("first") != 1 || wait_for(argv[2], ".1.json", name, sizeof name) != 0) {
            printf("snapshot 1 missing\n");
            return 1;
        }
        name[strlen(name) - strlen("1.json")] = 0;
        for (int i = 2; i <= n + 1; i++) {
            snprintf(path, sizeof path, "%s/%s%d.json.tmp", argv[2], name, i);
            FILE *f = fopen(path, "w");
            if (!f)
                return 1;
            fclose(f);
        }
        for (int i = 0; i < n; i++)
            ccxtrace_snapshot("planted");
        printf("planted %d\n", n);
        fflush(stdout);
        char last[64];
        snprintf(last, sizeof last, ".%d.json", n + 2);
        ccxtrace_snapshot("after");
        wait_for(argv[2], last, name, sizeof name); /* the helper got past the planted ones */
    }
    return 3;
}

/* bt.c - glibc's backtrace() from nested frames while allocating; prints
 * each frame as symbol+offset (dladdr; link with -rdynamic) and which
 * library provides backtrace.  Same output with and without the tracer. */
#include <dlfcn.h>
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The frames array and the line buffer are heap blocks that level3 and
 * level2 allocate (and free after show), so the tracer records allocations
 * from inside these nested frames while backtrace() walks them. */
static void show(void **frames, int max, char *line, size_t linesize)
{
    int n = backtrace(frames, max);
    char **names = backtrace_symbols(frames, n);
    for (int i = 0; i < n; i++) {
        Dl_info info;
        if (dladdr(frames[i], &info) && info.dli_sname && strstr(info.dli_fname, "bt")) {
            snprintf(line, linesize, "  %s+%#lx\n", info.dli_sname,
                     (unsigned long)((char *)frames[i] - (char *)info.dli_saddr));
            fputs(line, stdout);
        }
    }
    printf("  (%d frames, names %s)\n", n, names ? "ok" : "missing");
    free(names);
}

__attribute__((noinline)) void level3(int k, char *line)
{
    void **frames = malloc((32 + (size_t)k) * sizeof *frames);
    if (!frames)
        exit(1);
    show(frames, 32, line, 1000);
    free(frames);
}

__attribute__((noinline)) void level2(int k)
{
    char *line = malloc(1000);
    if (!line)
        exit(1);
    level3(k + 1, line);
    free(line);
}

__attribute__((noinline)) void level1(int k)
{
    level2(k + 1);
    level2(k + 2);
}

int main(void)
{
    Dl_info info;
    if (dladdr((void *)backtrace, &info))
        printf("backtrace from %s\n", strrchr(info.dli_fname, '/') ? strrchr(info.dli_fname, '/') + 1 : info.dli_fname);
    level1(0);
    return 0;
}

/* bt.c - glibc's backtrace() from nested frames while allocating; prints
 * each frame as symbol+offset (dladdr; link with -rdynamic) and which
 * library provides backtrace.  Same output with and without the tracer. */
#include <dlfcn.h>
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void show(void)
{
    void *frames[32];
    int n = backtrace(frames, 32);
    char **names = backtrace_symbols(frames, n);
    for (int i = 0; i < n; i++) {
        Dl_info info;
        if (dladdr(frames[i], &info) && info.dli_sname && strstr(info.dli_fname, "bt"))
            printf("  %s+%#lx\n", info.dli_sname, (unsigned long)((char *)frames[i] - (char *)info.dli_saddr));
    }
    printf("  (%d frames, names %s)\n", n, names ? "ok" : "missing");
    free(names);
}

__attribute__((noinline)) void level3(int k)
{
    char *p = malloc(100 + k);
    show();
    free(p);
}

__attribute__((noinline)) void level2(int k)
{
    void *p = malloc(1000);
    level3(k + 1);
    free(p);
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

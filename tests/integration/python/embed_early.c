/* embed_early.c - objects pymalloc served before the tracer's PyMem hooks
 * were installed, freed after: an embedding program that makes the order
 * certain (test_py_early_arenas.sh runs it under the preload).
 *
 * The helper thread installs the hooks holding the GIL.  This program
 * initializes the interpreter without `site` (no file reads that would
 * let the helper in early), keeps the GIL and allocates N small blocks
 * with PyObject_Malloc from C: no bytecode runs, so the GIL is never
 * handed over and the blocks land in arenas that only the mmap layer saw.
 * Then it releases the GIL, waits for the hooks, takes snapshot "alive",
 * frees every block (through the hooks now), takes snapshot "freed".
 *
 * Prints "hooks-first" and exits 3 when the hooks were somehow in place
 * before the blocks (nothing to check), else "blocks N bytes B" and 0.
 * Exit 2 on any other failure, with a line saying what. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NBLOCKS 600000
#define BLOCK 100

/* Is the OBJ domain served by a function of libccxtrace.so? */
static int hooked(void)
{
    PyMemAllocatorEx a;
    Dl_info info;
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &a);
    return dladdr((void *)a.malloc, &info) && info.dli_fname && strstr(info.dli_fname, "ccxtrace");
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Asks the tracer for a snapshot; it is written by the helper thread,
 * which takes the GIL for the census: call with the GIL released. */
static long snapshot(const char *label)
{
    long (*snap)(const char *) = (long (*)(const char *))dlsym(RTLD_DEFAULT, "ccxtrace_snapshot");
    if (!snap) {
        printf("no ccxtrace_snapshot: not run under libccxtrace.so\n");
        exit(2);
    }
    return snap(label);
}

/* Waits (GIL released) until snapshot seq's file is in dir: a name
 * ccxtrace.<host>.<pid>.<start>.<seq>.json.  Read with readdir, not a
 * shell: a child would be traced too and write snapshots of its own. */
static void wait_file(const char *dir, long seq)
{
    char pid_part[32], tail[32];
    snprintf(pid_part, sizeof pid_part, ".%d.", (int)getpid());
    snprintf(tail, sizeof tail, ".%ld.json", seq);
    for (int i = 0; i < 3000; i++) {
        DIR *d = opendir(dir);
        struct dirent *e;
        int found = 0;
        while (d && (e = readdir(d)) && !found) {
            size_t n = strlen(e->d_name), t = strlen(tail);
            found = strncmp(e->d_name, "ccxtrace.", 9) == 0 && strstr(e->d_name, pid_part) &&
                    n > t && strcmp(e->d_name + n - t, tail) == 0;
        }
        if (d)
            closedir(d);
        if (found)
            return;
        sleep_ms(10);
    }
    printf("snapshot %ld never appeared in %s\n", seq, dir);
    exit(2);
}

int main(void)
{
    const char *dir = getenv("CCXTRACE_DIR");
    if (!dir) {
        printf("CCXTRACE_DIR not set\n");
        return 2;
    }
    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    config.site_import = 0;
    PyStatus st = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(st)) {
        printf("Py_InitializeFromConfig failed\n");
        return 2;
    }
    /* The GIL is ours from here until Py_BEGIN_ALLOW_THREADS. */
    if (hooked()) {
        printf("hooks-first\n");
        Py_Finalize();
        return 3;
    }
    void **blocks = malloc(NBLOCKS * sizeof *blocks);
    if (!blocks)
        return 2;
    for (int i = 0; i < NBLOCKS; i++) {
        blocks[i] = PyObject_Malloc(BLOCK);
        if (!blocks[i]) {
            printf("PyObject_Malloc failed\n");
            return 2;
        }
        memset(blocks[i], 0x5a, BLOCK);
    }
    int first = hooked();
    PyThreadState *ts = PyEval_SaveThread();   /* the GIL goes: the helper may come in */
    for (int i = 0; i < 1000 && !hooked(); i++)
        sleep_ms(10);
    if (first || !hooked()) {
        printf(first ? "hooks-first\n" : "the hooks were not installed within 10 s\n");
        return first ? 3 : 2;
    }
    wait_file(dir, snapshot("alive"));
    PyEval_RestoreThread(ts);
    for (int i = 0; i < NBLOCKS; i++)
        PyObject_Free(blocks[i]);
    free(blocks);
    ts = PyEval_SaveThread();
    wait_file(dir, snapshot("freed"));
    PyEval_RestoreThread(ts);
    printf("blocks %d bytes %d\n", NBLOCKS, NBLOCKS * BLOCK);
    fflush(stdout);
    return Py_FinalizeEx() < 0 ? 2 : 0;
}

/* dlopen.c PLUGIN - loads PLUGIN with dlopen, lets it keep 200 blocks,
 * then runs a shell command (an exec'd child under the same LD_PRELOAD)
 * and prints what it saw. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "%s\n", dlerror());
        return 1;
    }
    int (*leak)(int) = (int (*)(int))dlsym(h, "plugin_leak");
    printf("plugin kept %d\n", leak ? leak(200) : -1);
    fflush(stdout);
    int st = system("exec /bin/echo child says hi"); /* dash itself leaves with _exit */
    printf("child status %d\n", st);
    return 0;
}

/* plugin.c - a library loaded with dlopen by dlopen.c; its allocations must
 * be attributed to plugin_leak inside this module. */
#include <stdlib.h>

void *plugin_kept[200];

__attribute__((noinline)) int plugin_leak(int n)
{
    for (int i = 0; i < n && i < 200; i++)
        plugin_kept[i] = malloc(512);
    return n;
}

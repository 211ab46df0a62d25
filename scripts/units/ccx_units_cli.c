/* ccx_units_cli.c - ccx-units: the project's one unit parser (common/ccx_units.c)
 * on the command line, for the shell scripts in scripts/ (monitoring), so
 * they never parse "68.04MiB", "1.2GB" or "30s" themselves.
 *
 *   ccx-units size [--si] VALUE...   bytes, one line per value
 *                                    (--si: kB/MB/GB are decimal, as in
 *                                    docker/podman stats output)
 *   ccx-units duration VALUE...      seconds (with up to 9 decimals)
 *   ccx-units rate VALUE...          bytes per second
 *
 * Exit 0; 2 on a usage error or a value that does not parse, with one line
 * "ccx-units: 'VALUE': <reason>" on stderr (every value is still tried).
 */
#include "ccx_units.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int usage(void)
{
    fprintf(stderr, "usage: ccx-units size [--si] VALUE... | duration VALUE... | rate VALUE...\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    const char *kind = argv[1];
    int i = 2, rc = 0;
    unsigned flags = 0;
    if (strcmp(kind, "size") == 0 && strcmp(argv[i], "--si") == 0) {
        flags |= CCX_SIZE_SI;
        i++;
    }
    if (i >= argc)
        return usage();
    if (strcmp(kind, "size") != 0 && strcmp(kind, "duration") != 0 && strcmp(kind, "rate") != 0)
        return usage();
    for (; i < argc; i++) {
        int st;
        if (kind[0] == 's') {
            uint64_t v;
            st = ccx_parse_size(argv[i], flags, &v);
            if (st == CCX_PARSE_OK)
                printf("%" PRIu64 "\n", v);
        } else if (kind[0] == 'd') {
            uint64_t ns;
            st = ccx_parse_duration(argv[i], &ns);
            if (st == CCX_PARSE_OK)
                printf("%" PRIu64 ".%09" PRIu64 "\n", ns / 1000000000u, ns % 1000000000u);
        } else {
            double r;
            st = ccx_parse_rate(argv[i], &r);
            if (st == CCX_PARSE_OK)
                printf("%.6f\n", r);
        }
        if (st != CCX_PARSE_OK) {
            fprintf(stderr, "ccx-units: '%s': %s\n", argv[i], ccx_parse_strerror(st));
            printf("?\n");   /* keeps one line per value for the caller */
            rc = 2;
        }
    }
    return rc;
}

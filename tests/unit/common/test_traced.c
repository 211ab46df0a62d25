/* test_traced.c - the /proc text checks of common/ccx_traced.c behind
 * ccx-driver's --trigger-signal refusal and ccxtrace-hook's signal to pid 1:
 * which maps lines name the tracer, which SigCgt masks catch a signal. */
#include "../check.h"
#include "ccx_traced.h"

#include <signal.h>

int main(void)
{
    CHECK(ccx_maps_line_is_tracer(
        "7f00a000-7f00b000 r-xp 00000000 08:01 1234   /usr/lib/libccxtrace.so\n"));
    CHECK(ccx_maps_line_is_tracer(
        "7f00a000-7f00b000 r-xp 00000000 08:01 1234 /opt/my dir/libccxtrace.so.1 (deleted)\n"));
    CHECK(!ccx_maps_line_is_tracer(
        "7f00a000-7f00b000 r-xp 00000000 08:01 1234   /usr/lib/libccxtrace.so.bak\n"));
    CHECK(!ccx_maps_line_is_tracer(
        "7f00a000-7f00b000 r-xp 00000000 08:01 1234   /usr/lib/notlibccxtrace.so\n"));
    CHECK(!ccx_maps_line_is_tracer(
        "7f00a000-7f00b000 r-xp 00000000 08:01 1234   /libccxtrace.so.d/libc.so.6\n"));
    CHECK(!ccx_maps_line_is_tracer("7f00a000-7f00b000 rw-p 00000000 00:00 0 \n"));
    CHECK(!ccx_maps_line_is_tracer("7ffd1000-7ffd2000 r-xp 00000000 00:00 0   [vdso]\n"));

    /* SIGUSR2 is 12: bit 11 = 0x800 */
    CHECK_EQ_INT(ccx_status_catches("Name:\tx\nSigIgn:\t0000000000000800\nSigCgt:\t0000000000000800\n", SIGUSR2), 1);
    /* 0x4202: SIGINT (2), SIGUSR1 (10), SIGTERM (15); not SIGUSR2 (12) */
    CHECK_EQ_INT(ccx_status_catches("SigCgt:\t0000000000004202\n", SIGUSR2), 0);
    CHECK_EQ_INT(ccx_status_catches("SigCgt:\t0000000000004202\n", SIGINT), 1);
    CHECK_EQ_INT(ccx_status_catches("SigCgt:\t0000000000004202\n", SIGTERM), 1);
    CHECK_EQ_INT(ccx_status_catches("SigCgt:\t0000000000004a02\n", SIGUSR2), 1);
    CHECK_EQ_INT(ccx_status_catches("SigCgt:\t0000000000000002\n", SIGTERM), 0);
    CHECK_EQ_INT(ccx_status_catches("SigCgt:\t0000000180000000\n", 32), 1);
    CHECK_EQ_INT(ccx_status_catches("Name:\tx\nSigCgt:\tzz\n", SIGUSR2), -1);
    CHECK_EQ_INT(ccx_status_catches("Name:\tx\n", SIGUSR2), -1);
    return check_done();
}

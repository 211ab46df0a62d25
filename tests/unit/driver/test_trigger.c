/* test_trigger.c - the parsing behind --trigger-signal's refusal and the
 * snapshot-file names (driver/trigger.c); the real processes are tested in
 * tests/integration/driver/. */
#include "../check.h"
#include "trigger.h"

#include <unistd.h>

int main(void)
{
    CHECK(drv_maps_line_is_tracer(
        "7f00a000-7f00b000 r-xp 00000000 08:01 1234   /usr/lib/libccxtrace.so\n"));
    CHECK(drv_maps_line_is_tracer(
        "7f00a000-7f00b000 r-xp 00000000 08:01 1234 /opt/my dir/libccxtrace.so.1 (deleted)\n"));
    CHECK(!drv_maps_line_is_tracer(
        "7f00a000-7f00b000 r-xp 00000000 08:01 1234   /usr/lib/libccxtrace.so.bak\n"));
    CHECK(!drv_maps_line_is_tracer(
        "7f00a000-7f00b000 r-xp 00000000 08:01 1234   /usr/lib/notlibccxtrace.so\n"));
    CHECK(!drv_maps_line_is_tracer(
        "7f00a000-7f00b000 r-xp 00000000 08:01 1234   /libccxtrace.so.d/libc.so.6\n"));
    CHECK(!drv_maps_line_is_tracer("7f00a000-7f00b000 rw-p 00000000 00:00 0 \n"));
    CHECK(!drv_maps_line_is_tracer("7ffd1000-7ffd2000 r-xp 00000000 00:00 0   [vdso]\n"));

    /* SIGUSR2 is 12: bit 11 = 0x800 */
    CHECK_EQ_INT(drv_status_catches("Name:\tx\nSigIgn:\t0000000000000800\nSigCgt:\t0000000000000800\n", SIGUSR2), 1);
    /* 0x4202: SIGINT (2), SIGUSR1 (10), SIGTERM (15); not SIGUSR2 (12) */
    CHECK_EQ_INT(drv_status_catches("SigCgt:\t0000000000004202\n", SIGUSR2), 0);
    CHECK_EQ_INT(drv_status_catches("SigCgt:\t0000000000004202\n", SIGINT), 1);
    CHECK_EQ_INT(drv_status_catches("SigCgt:\t0000000000004202\n", SIGTERM), 1);
    CHECK_EQ_INT(drv_status_catches("SigCgt:\t0000000000004a02\n", SIGUSR2), 1);
    CHECK_EQ_INT(drv_status_catches("SigCgt:\t0000000000000002\n", SIGTERM), 0);
    CHECK_EQ_INT(drv_status_catches("SigCgt:\t0000000180000000\n", 32), 1);
    CHECK_EQ_INT(drv_status_catches("Name:\tx\nSigCgt:\tzz\n", SIGUSR2), -1);
    CHECK_EQ_INT(drv_status_catches("Name:\tx\n", SIGUSR2), -1);

    CHECK(drv_snapshot_name_ok("ccxtrace.3f2a9c1d7e10.4242.1795739900.3.json"));
    CHECK(drv_snapshot_name_ok("ccxtrace.host.example.com.1.2.0.json"));
    CHECK(!drv_snapshot_name_ok("ccxtrace.host.1.2.json"));
    CHECK(!drv_snapshot_name_ok("ccxtrace..1.2.3.json"));
    CHECK(!drv_snapshot_name_ok("ccxtrace.h.1.2.3.json.tmp"));
    CHECK(!drv_snapshot_name_ok("ccxtrace.h.1.2.x.json"));
    CHECK(!drv_snapshot_name_ok("ccxtrace.h.1.2.3.stats.csv"));
    CHECK(!drv_snapshot_name_ok("other.h.1.2.3.json"));

    /* This test program is neither traced nor a SIGUSR2 catcher. */
    char err[512];
    CHECK_EQ_INT(drv_check_pid(getpid(), err, sizeof err), -1);
    CHECK(strstr(err, "does not have libccxtrace.so mapped") != NULL);
    CHECK_EQ_INT(drv_check_pid(0x3ffffff0, err, sizeof err), -1);
    CHECK(strstr(err, "no process") != NULL);
    return check_done();
}

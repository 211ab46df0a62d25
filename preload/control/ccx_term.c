/* ccx_term.c - CCXTRACE_ON_TERM=snapshot: a last snapshot when the process
 * is asked to stop with SIGTERM, then the end it would have had.
 *
 * Installed at start only when the disposition the process inherited is
 * the default (a SIG_IGN, e.g. from nohup or a supervisor, is never
 * replaced), with SA_RESTART.  The handler only notes the signal and wakes
 * the helper (async-signal-safe).  The helper writes the snapshot (reason
 * "term"; waiting at most 5 s for one under way), then, only if our handler
 * is still the one installed, puts the default back and sends SIGTERM
 * again with kill(getpid(), SIGTERM): the helper blocks every signal, so a
 * raise() from it would stay pending, while a process-directed signal goes
 * to a thread that takes it.  The process then ends as it would have (as
 * pid 1 of a container the kernel ignores it, as it would have).  A program
 * that installs its own SIGTERM handler later replaces ours: then nothing
 * here happens.  SIGINT is left alone (Python installs its own handler for
 * it only when the inherited one is the default).
 */
#include "ccx_control.h"
#include "ccx_output.h"
#include "ccx_diag.h"
#include "ccx_format.h"
#include "ccx_options.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int term_pending;

static void on_term(int sig)
{
    (void)sig;
    int e = errno;
    __atomic_store_n(&term_pending, 1, __ATOMIC_RELEASE);
    ccx_wake();
    errno = e;
}

void ccx_term_install(void)
{
    struct sigaction old, sa;
    if (!ccx_opts()->on_term || sigaction(SIGTERM, NULL, &old) != 0)
        return;
    if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL)
        return; /* inherited SIG_IGN (or a handler): left as it is */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) != 0)
        ccx_diag("cannot catch SIGTERM: %s", ccx_strerror(errno));
}

/* Helper thread, at each pass. */
void ccx_term_work(void)
{
    if (!__atomic_exchange_n(&term_pending, 0, __ATOMIC_ACQ_REL))
        return;
    if (ccx_snapshot_lock(5000) == 0) {
        if (!ccx_final)
            ccx_snapshot_write(ccx_seq_reserve(), CCX_REASON_TERM, NULL);
        ccx_snapshot_unlock();
    } else {
        ccx_diag("SIGTERM: the snapshot under way did not finish within 5 s; none taken");
    }
    struct sigaction cur, dfl;
    if (sigaction(SIGTERM, NULL, &cur) != 0 || (cur.sa_flags & SA_SIGINFO) || cur.sa_handler != on_term)
        return; /* the program has its own handler now */
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGTERM, &dfl, NULL);
    kill(getpid(), SIGTERM);
}

/*
 * limits.c: the first thing a new container (or exec) process does: move itself into its
 * cgroups and set its oom_score_adj, before it joins a namespace, mounts or execs anything.
 *
 * Why the child moves itself rather than being moved: on cgroup v1 there is no
 * CLONE_INTO_CGROUP, and a parent writing the pid after clone() would race with the child. Here
 * the child writes "0" (meaning "the writer") to each v1 `tasks` file the caller opened for it,
 * and only goes on once every write has succeeded; a failure is reported like any other step and
 * the child exits. `tasks` rather than cgroup.procs: the child has a single thread here, so moving
 * that thread moves the process, and the kernel skips the global threadgroup lock (and the RCU
 * grace period behind it) that a cgroup.procs write needs. Everything after this point,
 * including the container's first instruction, runs inside the limits, and every process the
 * container forks inherits them.
 */
#include "internal.h"

#include <fcntl.h>
#include <string.h>

/* Decimal, by hand (snprintf is not async-signal-safe). */
static size_t pp_format_int(char *buf, int v)
{
    char digits[16];
    size_t n = 0, at = 0;
    unsigned u = v < 0 ? (unsigned)(-(long)v) : (unsigned)v;
    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        buf[at++] = '-';
    while (n > 0)
        buf[at++] = digits[--n];
    buf[at] = '\0';
    return at;
}

static int pp_write_adj(int fd, int v)
{
    char buf[16];
    size_t n = pp_format_int(buf, v);
    ssize_t w;
    do {
        w = write(fd, buf, n);
    } while (w < 0 && errno == EINTR);
    return w == (ssize_t)n ? 0 : -1;
}

/* Send a notice on the error pipe and go on; the parent keeps the last one. */
static void pp_notice(struct pp_ctx *c, int step, int err, int index)
{
    struct pp_error rec;
    memset(&rec, 0, sizeof rec);
    rec.step = step;
    rec.err = err;
    rec.index = index;
    ssize_t w;
    do {
        w = write(c->errfd, &rec, sizeof rec);
    } while (w < 0 && errno == EINTR);
}

static int pp_set_oom_score_adj(struct pp_ctx *c, int adj)
{
    static const char path[] = "/proc/self/oom_score_adj";
    PP_AUTOCLOSE int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return pp_fail(c, PP_STEP_OOM_SCORE_ADJ, -1, path);
    if (pp_write_adj(fd, adj) == 0)
        return 0;
    if (errno != EACCES)
        return pp_fail(c, PP_STEP_OOM_SCORE_ADJ, -1, path);
    /* Without CAP_SYS_RESOURCE the kernel refuses values below oom_score_adj_min, which nothing
     * can read; 1000 is always allowed. Find the lowest allowed value by bisection (a refused
     * write changes nothing), so the container gets the closest value to its QoS. */
    int refused = adj, allowed = 1000;
    while (allowed - refused > 1) {
        int mid = refused + (allowed - refused) / 2;
        if (pp_write_adj(fd, mid) == 0)
            allowed = mid;
        else if (errno == EACCES)
            refused = mid;
        else
            return pp_fail(c, PP_STEP_OOM_SCORE_ADJ, -1, path);
    }
    if (pp_write_adj(fd, allowed) < 0)
        return pp_fail(c, PP_STEP_OOM_SCORE_ADJ, -1, path);
    pp_notice(c, PP_NOTICE_OOM_SCORE_CLAMPED, EACCES, allowed);
    return 0;
}

int pp_enter_limits(struct pp_ctx *c, const struct pp_cgroup_procs *procs, size_t count, int set_adj, int adj)
{
    for (size_t i = 0; i < count; i++) {
        ssize_t w;
        do {
            w = write(procs[i].fd, "0", 1);
        } while (w < 0 && errno == EINTR);
        if (w != 1)
            return pp_fail(c, PP_STEP_JOIN_CGROUP, (int)i, procs[i].path);
    }
    if (set_adj && pp_set_oom_score_adj(c, adj) < 0)
        return -1;
    return 0;
}

/*
 * confine.c: the last steps of every process that runs inside a container, from its working
 * directory to execve(): the container's own process, `peapod exec`, exec probes and exec hooks
 * all end here, with one `struct pp_process`, so each is confined by the same code in the same
 * order (docs/security.md):
 *
 *   chdir, checked to be inside the root; stdio; the close-on-exec sweep; rlimits; the bounding
 *   set; keep-caps across setgroups/setresgid/setresuid; the final capability sets; the ambient
 *   set; no_new_privs; seccomp; execve.
 *
 * seccomp comes last when no_new_privs is set, so the filter only has to allow execve. Without
 * no_new_privs the kernel lets only a holder of CAP_SYS_ADMIN install a filter, so it goes in
 * just before the capabilities are cut down to the final sets, and the filter must allow the few
 * calls that follow (capset, prctl, execve), as RuntimeDefault does (runc and crun use the same
 * order).
 *
 * Capabilities are set with the raw capset(2) and prctl(2) calls: this runs in a child that may
 * share the caller's memory and must not allocate (libcap's cap_t is made by malloc). The
 * names-to-bits side of libcap is used by the caller (cap_from_name in host.c).
 */
#include "internal.h"
#include "pp_seccomp.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <limits.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static int pp_capset(uint64_t effective, uint64_t permitted, uint64_t inheritable)
{
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    data[0].effective = (uint32_t)effective;
    data[0].permitted = (uint32_t)permitted;
    data[0].inheritable = (uint32_t)inheritable;
    data[1].effective = (uint32_t)(effective >> 32);
    data[1].permitted = (uint32_t)(permitted >> 32);
    data[1].inheritable = (uint32_t)(inheritable >> 32);
    return (int)syscall(SYS_capset, &header, data);
}

/* The working directory must be inside the new root: a directory reached through a descriptor
 * the process inherited (runc's CVE-2024-21626) or moved out of the root after chdir has no
 * path from "/", and getcwd(2) then fails or answers with a path that is not absolute. */
static int pp_enter_working_dir(struct pp_ctx *c, const char *dir)
{
    if (chdir(dir) < 0)
        return pp_fail(c, PP_STEP_CHDIR, -1, dir);
    char here[PATH_MAX];
    long n = syscall(SYS_getcwd, here, sizeof here);
    if (n < 0 && errno != ENOENT)
        return pp_fail(c, PP_STEP_CHDIR, -1, dir);
    if (n <= 0 || here[0] != '/') {
        errno = EPERM;
        return pp_fail(c, PP_STEP_WORKDIR_OUTSIDE, -1, dir);
    }
    return 0;
}

static int pp_apply_rlimits(struct pp_ctx *c, const struct pp_process *p)
{
    for (size_t i = 0; i < p->rlimit_count; i++) {
        struct rlimit rl = {(rlim_t)p->rlimits[i].soft, (rlim_t)p->rlimits[i].hard};
        if (setrlimit((__rlimit_resource_t)p->rlimits[i].resource, &rl) < 0)
            return pp_fail(c, PP_STEP_RLIMIT, p->rlimits[i].resource, NULL);
    }
    return 0;
}

/* Drop from the bounding set every capability not in `keep`: what no later execve can give back,
 * file capabilities and setuid binaries included. Done as root with every capability, before
 * the user changes (dropping needs CAP_SETPCAP). Capabilities newer than the kernel answer EINVAL
 * and are not there to drop. */
static int pp_drop_bounding(struct pp_ctx *c, uint64_t keep)
{
    for (int cap = 0; cap < 64; cap++) {
        if (keep & (1ULL << cap))
            continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
            if (errno == EINVAL)
                break;
            return pp_fail(c, PP_STEP_CAP_BOUNDING, cap, NULL);
        }
    }
    return 0;
}

static int pp_install_seccomp(struct pp_ctx *c, const struct pp_process *p)
{
    if (pp_seccomp_install(p->seccomp_filter, p->seccomp_count, p->seccomp_flags) < 0)
        return pp_fail(c, PP_STEP_SECCOMP, -1, NULL);
    return 0;
}

/* User, groups and capabilities. The kernel clears every capability when the uid leaves 0,
 * unless PR_SET_KEEPCAPS; with it the permitted set survives and the effective set is given back
 * by capset, then cut down to what the process keeps. */
static int pp_confine_credentials(struct pp_ctx *c, const struct pp_process *p)
{
    const struct pp_capabilities *caps = &p->caps;
    int filter_early = p->seccomp_filter != NULL && !p->no_new_privs;
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return pp_fail(c, PP_STEP_KEEPCAPS, -1, NULL);
    if (pp_set_credentials(c, p->uid, p->gid, p->groups, p->group_count) < 0)
        return -1;
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        return pp_fail(c, PP_STEP_KEEPCAPS, -1, NULL);
    if (filter_early) {
        /* Installing a filter without no_new_privs needs CAP_SYS_ADMIN in the effective set:
         * take every permitted capability back for that one call. */
        uint64_t with_admin = caps->permitted | (1ULL << CAP_SYS_ADMIN);
        if (pp_capset(with_admin, with_admin, 0) < 0)
            return pp_fail(c, PP_STEP_CAPSET, -1, NULL);
        if (pp_install_seccomp(c, p) < 0)
            return -1;
    }
    if (pp_capset(caps->effective, caps->permitted, caps->inheritable) < 0)
        return pp_fail(c, PP_STEP_CAPSET, -1, NULL);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return pp_fail(c, PP_STEP_CAP_AMBIENT, -1, NULL);
    for (int cap = 0; cap < 64; cap++) {
        if ((caps->ambient & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            return pp_fail(c, PP_STEP_CAP_AMBIENT, cap, NULL);
    }
    return 0;
}

int pp_confine(struct pp_ctx *c, const struct pp_process *p)
{
    if (pp_apply_rlimits(c, p) < 0 || pp_drop_bounding(c, p->caps.bounding) < 0 ||
        pp_confine_credentials(c, p) < 0)
        return -1;
    if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return pp_fail(c, PP_STEP_NO_NEW_PRIVS, -1, NULL);
    if (p->seccomp_filter != NULL && p->no_new_privs && pp_install_seccomp(c, p) < 0)
        return -1;
    return 0;
}

/* tty: true. The terminal on 0-2 becomes the controlling terminal of a new session, as runc
 * makes a container's console: job control, ^C as SIGINT and the hang-up when the supervisor
 * lets go of the master all need it. The process is no group leader (it was cloned), so setsid
 * cannot fail with EPERM. */
static int pp_take_terminal(struct pp_ctx *c)
{
    if (setsid() < 0 || ioctl(0, TIOCSCTTY, 0) < 0)
        return pp_fail(c, PP_STEP_CONTROLLING_TTY, -1, NULL);
    return 0;
}

int pp_start_process(struct pp_ctx *c, const struct pp_process *p)
{
    if (pp_enter_working_dir(c, p->working_dir) < 0)
        return -1;
    /* stdio, then the close-on-exec sweep as late as possible: nothing opened by the setup, and
     * nothing the caller had open, survives execve. */
    if (pp_setup_stdio(c, p->stdio) < 0 || pp_close_other_fds(c) < 0)
        return -1;
    if (p->controlling_tty && pp_take_terminal(c) < 0)
        return -1;
    if (pp_confine(c, p) < 0)
        return -1;
    umask(022);
    return pp_execvpe(c, p->argv, p->envp);
}

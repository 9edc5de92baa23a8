/*
 * exec.c: the last steps of a child before execve(): signals, stdio, the close-on-exec sweep,
 * credentials, and the PATH search.
 *
 * Used by both a new container (spawn.c) and a process joining a running one (pp_exec).
 */
#include "internal.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#define PP_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The kernel's struct sigaction for rt_sigaction(2). The raw call, because glibc's sigaction()
 * refuses glibc's own signals (32 and 33), and a caller that ignored one would pass that on. */
struct pp_kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

void pp_default_signal(int sig)
{
    struct pp_kernel_sigaction ksa;
    memset(&ksa, 0, sizeof ksa);
    ksa.handler = SIG_DFL;
    /* Fails harmlessly for SIGKILL and SIGSTOP. */
    (void)syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof ksa.mask);
}

void pp_reset_signals(void)
{
    /* The caller (the supervisor) may ignore SIGPIPE or block SIGCHLD/SIGTERM for a signalfd;
     * dispositions set to "ignore" and the blocked mask survive execve, and a container started
     * with SIGTERM blocked could never be stopped gracefully. Handlers first, while everything
     * is still blocked (the parent blocked all signals across clone), so no caller handler can
     * run in this child; then unblock. */
    for (int sig = 1; sig < NSIG; sig++)
        pp_default_signal(sig);
    sigset_t none;
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
}

int pp_setup_stdio(struct pp_ctx *c, const int32_t stdio[3])
{
    int moved[3];
    /* First move every source above 2, then dup2 into place: a source that is itself 0, 1 or
     * 2 would otherwise be overwritten by an earlier dup2 (e.g. stdin=1, stdout=0). */
    for (int i = 0; i < 3; i++) {
        int src = stdio[i];
        int opened = -1;
        if (src < 0) {
            /* The container's own /dev/null: we are already inside the new root. */
            opened = src = open("/dev/null", (i == 0 ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
            if (src < 0)
                return pp_fail(c, PP_STEP_STDIO, -1, "/dev/null");
        }
        moved[i] = fcntl(src, F_DUPFD_CLOEXEC, 3);
        if (moved[i] < 0)
            return pp_fail(c, PP_STEP_STDIO, -1, NULL);
        if (opened > 2)
            close(opened);
    }
    for (int i = 0; i < 3; i++) {
        /* dup2 clears FD_CLOEXEC on the new descriptor, so 0-2 survive execve. */
        if (dup2(moved[i], i) < 0)
            return pp_fail(c, PP_STEP_STDIO, -1, NULL);
        close(moved[i]);
    }
    return 0;
}

int pp_close_other_fds(struct pp_ctx *c)
{
    /* Every descriptor above stdio inherited from the supervisor (its store, logs, other pods'
     * pipes, a cgroup dir) is marked close-on-exec, late, after the last open of the setup.
     * Leaking one such fd let a container reach the host (runc GHSA-xr7r-f8xq-vfvv,
     * CVE-2024-21626). CLOEXEC rather than close: the error pipe must stay open until the exec
     * itself succeeds, and its end-of-file is the success signal. */
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return 0;
    if (errno != ENOSYS && errno != EINVAL)
        return pp_fail(c, PP_STEP_CLOSE_FDS, -1, NULL);
    /* Before Linux 5.11: one fcntl per possible descriptor. */
    struct rlimit rl;
    rlim_t max = 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        max = rl.rlim_cur;
    if (max > 1 << 20)
        max = 1 << 20;
    for (rlim_t fd = 3; fd < max; fd++)
        (void)fcntl((int)fd, F_SETFD, FD_CLOEXEC);
    return 0;
}

int pp_set_credentials(struct pp_ctx *c, uid_t uid, gid_t gid, const gid_t *groups, size_t n)
{
    /* Raw system calls on purpose: glibc's setgroups/setresgid/setresuid broadcast the change
     * to every thread the process has, and after our raw clone glibc still lists the caller's
     * threads, so the wrappers would signal threads of the parent and wait forever.
     * Groups, then gid, then uid: once the uid is not 0 the others can no longer change. */
    if (syscall(SYS_setgroups, n, groups) < 0)
        return pp_fail(c, PP_STEP_SETGROUPS, -1, NULL);
    if (syscall(SYS_setresgid, gid, gid, gid) < 0)
        return pp_fail(c, PP_STEP_SETGID, -1, NULL);
    if (syscall(SYS_setresuid, uid, uid, uid) < 0)
        return pp_fail(c, PP_STEP_SETUID, -1, NULL);
    return 0;
}

/* The PATH of the container's environment, never the supervisor's. */
static const char *pp_env_path(char *const *envp)
{
    for (char *const *e = envp; e != NULL && *e != NULL; e++)
        if (strncmp(*e, "PATH=", 5) == 0)
            return *e + 5;
    return PP_DEFAULT_PATH;
}

int pp_execvpe(struct pp_ctx *c, char *const *argv, char *const *envp)
{
    const char *file = argv[0];
    if (file == NULL || file[0] == '\0') {
        errno = ENOENT;
        return pp_fail(c, PP_STEP_EXEC, -1, "");
    }
    if (strchr(file, '/') != NULL) {
        execve(file, argv, envp);
        return pp_fail(c, PP_STEP_EXEC, -1, file);
    }
    /* execvpe(3) itself would search the caller's PATH when envp lacks one and may call
     * malloc; this search is the same algorithm on a stack buffer. */
    const char *path = pp_env_path(envp);
    size_t flen = strlen(file);
    int saw_eacces = 0;
    char buf[PATH_MAX];
    for (const char *p = path;; ) {
        const char *end = strchr(p, ':');
        size_t dlen = end != NULL ? (size_t)(end - p) : strlen(p);
        if (dlen + 1 + flen < sizeof buf) {
            if (dlen == 0) {
                buf[0] = '.';  /* an empty entry means the working directory */
                dlen = 1;
            } else {
                memcpy(buf, p, dlen);
            }
            buf[dlen] = '/';
            memcpy(buf + dlen + 1, file, flen + 1);
            execve(buf, argv, envp);
            switch (errno) {
            case EACCES:
                saw_eacces = 1;  /* remember, but a later entry may still work */
                break;
            case ENOENT: case ENOTDIR: case ESTALE: case ENODEV: case ETIMEDOUT: case ELOOP:
            case ENAMETOOLONG:
                break;
            default:
                return pp_fail(c, PP_STEP_EXEC, -1, buf);
            }
        }
        if (end == NULL)
            break;
        p = end + 1;
    }
    errno = saw_eacces ? EACCES : ENOENT;
    return pp_fail(c, PP_STEP_EXEC, -1, file);
}

/*
 * spawn.c: starting a container process (pp_spawn) or a process inside a running container
 * (pp_exec), and the one fixed order in which a container child sets itself up.
 *
 * The parent side blocks every signal across clone() (so no handler of the caller can run in
 * the child before it resets them), then reads the CLOEXEC error pipe: end-of-file means the
 * child reached execve(), a full `struct pp_error` means it failed and has exited.
 *
 * The order follows crun's container_init_setup and youki's init/process.rs, numbered as in
 * docs/design.md §2.4.
 */
#include "internal.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

__attribute__((noreturn)) void pp_container_child(const struct pp_launch *l, int errfd)
{
    struct pp_ctx c;
    memset(&c, 0, sizeof c);
    c.err.index = -1;
    /* The error pipe must not sit on 0-2, which the stdio step overwrites. */
    c.errfd = errfd < 3 ? fcntl(errfd, F_DUPFD_CLOEXEC, 3) : errfd;

    const struct pp_process *p = &l->process;
    /* The setup runs with every capability of the caller; nothing in the container (a process
     * of another container sharing the PID namespace) may trace it or open its /proc files
     * meanwhile. execve makes the container's own program dumpable again. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
        pp_fail(&c, PP_STEP_DUMPABLE, -1, NULL);
        pp_die(&c);
    }

    /* 0. Into the container's cgroups and its oom_score_adj before anything else, so every
     *    later step and the container itself run inside its limits (limits.c). With a user
     *    namespace of its own the intermediate did so, as root of the host, and this process
     *    inherited both. */
    if (l->ns_user == NULL &&
        pp_enter_limits(&c, p->cgroup_procs, p->cgroup_procs_count, p->set_oom_score_adj,
                        p->oom_score_adj) < 0)
        pp_die(&c);

    pp_reset_signals();
    /* Exact modes for device nodes and mount points; the container gets the usual 022 back
     * just before exec. */
    umask(0);

    /* 1. User namespace: a pod with hostUsers: false has one of its own, and this process was
     *    cloned inside it (userns.c): its PID and mount namespaces belong to it, so it can mount
     *    its /proc and the rest as root of that namespace, which it becomes now. */
    if (l->ns_user != NULL && pp_become_namespace_root(&c) < 0)
        pp_die(&c);

    /* 2. The pod's namespaces. PID and mount namespaces were decided at clone(); net, IPC and
     *    UTS are joined now, before any mount, because sysfs and mqueue mount the namespace of
     *    the mounter (with a user namespace, the intermediate joined them). */
    if (l->ns_user == NULL && pp_join_sandbox(&c, l) < 0)
        pp_die(&c);

    /* 3. Root filesystem: private propagation, overlay, /proc /sys /dev, the caller's mounts.
     *    In a user namespace the intermediate mounted the overlay and copied the bind sources;
     *    this process attaches them. */
    PP_AUTOCLOSE int rootfd = -1;
    if ((l->ns_user != NULL ? pp_enter_userns_rootfs(&c, l, &rootfd) : pp_prepare_rootfs(&c, l, &rootfd)) < 0 ||
        pp_mount_kernel_fs(&c, l, rootfd) < 0 ||
        pp_mount_specs(&c, l, rootfd) < 0)
        pp_die(&c);

    /* 4. Masked and read-only paths after every other mount so nothing can cover them again;
     *    the working dir and the read-only root last; then pivot_root. The hostname belongs to
     *    the pod's UTS namespace and was set when the sandbox was made. */
    if (pp_protect_paths(&c, l, rootfd) < 0 ||
        pp_finish_rootfs(&c, l, rootfd) < 0 ||
        pp_pivot_root(&c, l->ns_user != NULL ? rootfd : -1, l->merged_dir) < 0)
        pp_die(&c);
    pp_closep(&rootfd);
    rootfd = -1;

    /* 5-9. The working dir (inside the new root), stdio, the close-on-exec sweep, rlimits,
     *    capabilities and user, no_new_privs, seccomp, execve: the same steps as every process
     *    started inside the container later (confine.c). */
    pp_start_process(&c, p);
    pp_die(&c);
}

size_t pp_read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

void pp_reap(pid_t pid)
{
    /* ECHILD is fine: a reaper thread of the caller (waitpid(-1)) may have been first. */
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

pid_t pp_parent_fail(struct pp_error *err, int step)
{
    err->step = step;
    err->err = errno;
    err->index = -1;
    err->path[0] = '\0';
    return -1;
}

/* The end of a parent's wait: EOF on the error pipe is success; a record is the child's
 * failure (the child then exits, and is reaped here). */
pid_t pp_collect(int errfd, pid_t pid, struct pp_error *err)
{
    struct pp_error rec, notice;
    size_t n;
    memset(&notice, 0, sizeof notice);
    notice.index = -1;
    /* Notices (PP_NOTICE_*) come before the end: keep the last one and read on. */
    while ((n = pp_read_full(errfd, &rec, sizeof rec)) == sizeof rec && rec.step >= PP_NOTICE_OOM_SCORE_CLAMPED)
        notice = rec;
    close(errfd);
    if (n == 0 && pid > 0) {
        *err = notice;
        return pid;
    }
    if (n == sizeof rec) {
        *err = rec;
    } else {
        /* Died before exec without a word (killed by a signal?), or no pid to report. */
        memset(err, 0, sizeof *err);
        err->step = PP_STEP_HELPER_DIED;
        err->err = ECHILD;
        err->index = -1;
    }
    err->path[sizeof err->path - 1] = '\0';
    if (pid > 0)
        pp_reap(pid);
    errno = err->err;
    return -1;
}

pid_t pp_intermediate_result(pid_t pid, int clone_errno, const int errpipe[2], const int pidpipe[2],
                             struct pp_error *err)
{
    close(errpipe[1]);
    close(pidpipe[1]);
    if (pid < 0) {
        close(errpipe[0]);
        close(pidpipe[0]);
        errno = clone_errno;
        return pp_parent_fail(err, PP_STEP_CLONE);
    }
    pid_t child = -1;
    if (pp_read_full(pidpipe[0], &child, sizeof child) != sizeof child)
        child = -1;
    close(pidpipe[0]);
    pp_reap(pid);  /* the intermediate exits right after reporting */
    return pp_collect(errpipe[0], child, err);
}

/*
 * The intermediate process for "join an existing PID namespace, then start a child": setns
 * with CLONE_NEWPID only changes the namespace of future children, so something must fork after
 * it. CLONE_PARENT makes that child a sibling of this process, that is a direct child of the
 * caller, so the caller can waitpid() it and sees its real exit status. This process then
 * reports the child's pid and exits.
 */
/* pp_exec's command, already in every namespace of the target: the last steps, then execve. */
__attribute__((noreturn)) static void pp_exec_command(struct pp_ctx *c, const struct pp_exec *exec)
{
    pp_reset_signals();
    if (c->errfd < 3)
        c->errfd = fcntl(c->errfd, F_DUPFD_CLOEXEC, 3);
    pp_start_process(c, &exec->process);
    pp_die(c);
}

struct pp_command_start {
    struct pp_ctx *c;
    const struct pp_exec *exec;
    int pidfd;
};

static int pp_command_entry(void *arg)
{
    struct pp_command_start *s = arg;
    close(s->pidfd);
    pp_exec_command(s->c, s->exec);
}

__attribute__((noreturn)) static void pp_intermediate(struct pp_ctx *c, int pidfd,
                                                      unsigned long flags, int cgroup_fd,
                                                      const struct pp_launch *launch,
                                                      const struct pp_exec *exec)
{
    pid_t child = -1;
    if (launch == NULL && cgroup_fd < 0) {
        /* A command for pp_exec: nothing to copy for a process that only calls execve, so it
         * shares this process's memory; this one sleeps until the execve. */
        _Alignas(16) char stack[PP_VFORK_STACK];
        struct pp_command_start start = {c, exec, pidfd};
        child = pp_clone_vfork(pp_command_entry, &start, stack, sizeof stack, CLONE_PARENT | flags);
    }
    if (child < 0)
        child = pp_clone(CLONE_PARENT | flags, cgroup_fd);
    if (child < 0) {
        pp_fail(c, PP_STEP_CLONE, -1, NULL);
        pp_die(c);
    }
    if (child == 0) {
        close(pidfd);
        if (launch != NULL)
            pp_container_child(launch, c->errfd);
        pp_exec_command(c, exec);
    }
    ssize_t w;
    do {
        w = write(pidfd, &child, sizeof child);
    } while (w < 0 && errno == EINTR);
    _exit(0);
}

struct pp_container_start {
    const struct pp_launch *l;
    const int *errpipe;
};

static int pp_container_entry(void *arg)
{
    struct pp_container_start *s = arg;
    close(s->errpipe[0]);
    pp_container_child(s->l, s->errpipe[1]);
}

pid_t pp_spawn(const struct pp_launch *l, struct pp_error *err)
{
    if (l->ns_user != NULL)
        return pp_spawn_userns(l, err);
    memset(err, 0, sizeof *err);
    err->index = -1;
    int errpipe[2], pidpipe[2] = {-1, -1};
    if (pipe2(errpipe, O_CLOEXEC) < 0)
        return pp_parent_fail(err, PP_STEP_PIPE);
    if (l->ns_pid != NULL && pipe2(pidpipe, O_CLOEXEC) < 0) {
        close(errpipe[0]);
        close(errpipe[1]);
        return pp_parent_fail(err, PP_STEP_PIPE);
    }

    /* hostPID: the container's processes live in the host's PID namespace, as the caller. */
    unsigned long pid_flag = l->host_pid ? 0 : CLONE_NEWPID;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = -1;
    if (l->ns_pid == NULL && l->process.cgroup_fd < 0) {
        /* The container's PID 1 is our direct child, in fresh PID and mount namespaces. It only
         * makes system calls until execve, so it shares our memory instead of a copy of it
         * (no page tables copied, no copy-on-write faults here afterwards); we sleep until
         * its execve, which is what the error pipe below waits for anyway. */
        _Alignas(16) char stack[PP_CHILD_STACK];
        struct pp_container_start start = {l, errpipe};
        pid = pp_clone_vfork(pp_container_entry, &start, stack, sizeof stack, CLONE_NEWNS | pid_flag);
    }
    if (pid < 0 && l->ns_pid == NULL) {
        /* Born in its cgroup v2 directory, which needs clone3 (no portable way to give the
         * child a stack of its own there), or where a shared-memory child is refused (under
         * valgrind): the child is a copy. */
        pid = pp_clone(CLONE_NEWNS | pid_flag, l->process.cgroup_fd);
        if (pid == 0) {
            close(errpipe[0]);
            pp_container_child(l, errpipe[1]);
        }
    } else if (l->ns_pid != NULL) {
        pid = pp_clone(0, -1);
        if (pid == 0) {
            struct pp_ctx c;
            memset(&c, 0, sizeof c);
            c.err.index = -1;
            c.errfd = errpipe[1];
            close(errpipe[0]);
            close(pidpipe[0]);
            if (pp_join_namespace(&c, l->ns_pid, CLONE_NEWPID, PP_STEP_JOIN_PID) < 0)
                pp_die(&c);
            pp_intermediate(&c, pidpipe[1], CLONE_NEWNS, l->process.cgroup_fd, l, NULL);
        }
    }
    int clone_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(errpipe[1]);
    if (pidpipe[1] >= 0)
        close(pidpipe[1]);
    if (pid < 0) {
        close(errpipe[0]);
        if (pidpipe[0] >= 0)
            close(pidpipe[0]);
        errno = clone_errno;
        return pp_parent_fail(err, PP_STEP_CLONE);
    }
    if (l->ns_pid != NULL) {
        pid_t child = -1;
        if (pp_read_full(pidpipe[0], &child, sizeof child) != sizeof child)
            child = -1;
        close(pidpipe[0]);
        pp_reap(pid);  /* the intermediate exits right after reporting */
        pid = child;
    }
    return pp_collect(errpipe[0], pid, err);
}

/* The namespaces pp_exec joins, in order. The user namespace first, as runc and nsenter join it:
 * the others belong to it, and every later setns is checked against it. Mount comes last:
 * joining it changes what "/proc" means for the opens after it. */
static const struct {
    const char *name;
    int type;
    int step;
} pp_exec_order[] = {
    {"user", CLONE_NEWUSER, PP_STEP_JOIN_USER},
    {"ipc", CLONE_NEWIPC, PP_STEP_JOIN_IPC},
    {"uts", CLONE_NEWUTS, PP_STEP_JOIN_UTS},
    {"net", CLONE_NEWNET, PP_STEP_JOIN_NET},
    {"pid", CLONE_NEWPID, PP_STEP_JOIN_PID},
    {"mnt", CLONE_NEWNS, PP_STEP_JOIN_MNT},
};

struct pp_exec_intermediate {
    const struct pp_exec *x;
    const int *fds;
    int count;
    const int *errpipe;
    const int *pidpipe;
};

static int pp_exec_intermediate_entry(void *arg)
{
    struct pp_exec_intermediate *s = arg;
    struct pp_ctx c;
    pp_intermediate_begin(&c, s->errpipe, s->pidpipe);
    const struct pp_process *p = &s->x->process;
    /* Inside the container's PID namespace this process and the command it starts are visible
     * to the container's processes, and they hold every capability until execve. Not dumpable:
     * no process without CAP_SYS_PTRACE may ptrace them or open their /proc/PID/exe, mem or fd
     * (the runc CVE-2019-5736 class); a command's own execve makes it dumpable again. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
        pp_fail(&c, PP_STEP_DUMPABLE, -1, NULL);
        pp_die(&c);
    }
    /* Limits first (limits.c); the command, started below, inherits them. Into a user namespace
     * the command must share this process's memory, made outside it (userns.c): a cgroup v2
     * directory is then entered here rather than at the command's clone. */
    int cgroup_fd = p->cgroup_fd;
    if (pp_enter_limits(&c, p->cgroup_procs, p->cgroup_procs_count, p->set_oom_score_adj,
                        p->oom_score_adj) < 0 ||
        (s->fds[0] >= 0 && cgroup_fd >= 0 && pp_join_cgroup_dir(&c, cgroup_fd) < 0))
        pp_die(&c);
    if (s->fds[0] >= 0)
        cgroup_fd = -1;
    for (int i = 0; i < s->count; i++) {
        if (s->fds[i] >= 0 && setns(s->fds[i], pp_exec_order[i].type) < 0) {
            pp_fail(&c, pp_exec_order[i].step, -1, pp_exec_order[i].name);
            pp_die(&c);
        }
    }
    pp_intermediate(&c, s->pidpipe[1], 0, cgroup_fd, NULL, s->x);
}

pid_t pp_exec(const struct pp_exec *x, struct pp_error *err)
{
    memset(err, 0, sizeof *err);
    err->index = -1;
    /* Namespace paths are formatted here, in the parent, where snprintf is fine. */
    enum { N = sizeof pp_exec_order / sizeof pp_exec_order[0] };
    _Static_assert(N == PP_EXEC_NAMESPACES, "pp_exec's namespaces and PP_EXEC_NAMESPACES");
    int fds[N];
    /* Descriptors the caller keeps are used as they are and not closed here. */
    int own = x->ns_fds == NULL;
    for (int i = 0; i < N && !own; i++)
        fds[i] = x->ns_fds[i];
    for (int i = 0; i < N && own; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)x->target_pid, pp_exec_order[i].name);
        fds[i] = open(path, O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0) {
            int e = errno;
            for (int j = 0; j < i; j++)
                if (fds[j] >= 0)
                    close(fds[j]);
            errno = e;
            pp_parent_fail(err, PP_STEP_OPEN_NAMESPACE);
            snprintf(err->path, sizeof err->path, "%s", path);
            return -1;
        }
        /* setns refuses the caller's own user namespace: a target in it is not joined there. */
        struct stat target, self;
        if (pp_exec_order[i].type == CLONE_NEWUSER && fstat(fds[i], &target) == 0 &&
            stat("/proc/self/ns/user", &self) == 0 && target.st_ino == self.st_ino && target.st_dev == self.st_dev) {
            close(fds[i]);
            fds[i] = -1;
        }
    }

    int errpipe[2], pidpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) < 0)
        goto pipe_failed;
    if (pipe2(pidpipe, O_CLOEXEC) < 0) {
        close(errpipe[0]);
        close(errpipe[1]);
        goto pipe_failed;
    }

    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    /* The intermediate must not share the caller's fs_struct to join a mount namespace (setns
     * refuses CLONE_NEWNS then); it shares the caller's memory instead of copying it (the caller
     * sleeps until it exits), and so does the command it starts when no cgroup v2 directory
     * must be entered at birth: an exec probe then costs no copy of the supervisor's page
     * tables and no copy-on-write faults afterwards. */
    struct pp_exec_intermediate start = {x, fds, N, errpipe, pidpipe};
    _Alignas(16) char stack[2 * PP_VFORK_STACK];
    pid_t pid = pp_clone_intermediate(pp_exec_intermediate_entry, &start, stack, sizeof stack);
    int clone_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    for (int i = 0; i < N && own; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return pp_intermediate_result(pid, clone_errno, errpipe, pidpipe, err);

pipe_failed:
    {
        int e = errno;
        for (int i = 0; i < N && own; i++)
            if (fds[i] >= 0)
                close(fds[i]);
        errno = e;
        return pp_parent_fail(err, PP_STEP_PIPE);
    }
}

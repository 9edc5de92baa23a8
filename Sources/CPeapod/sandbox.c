/*
 * sandbox.c: the pod sandbox, made of namespaces pinned by bind mounts (as `ip netns add`
 * does) onto files in a tmpfs of the pod's own, so no pause process is needed for net, IPC and
 * UTS; and the optional pause-like init that holds a PID namespace shared by the pod's
 * containers (shareProcessNamespace).
 *
 * The namespaces are created in a short-lived child so the caller (a multi-threaded Swift
 * process) never changes its own namespaces. The child stays in the host mount namespace, so
 * the pins it binds are visible to every later process.
 */
#include "internal.h"
#include "netlink.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int pp_loopback_up(struct pp_ctx *c)
{
    /* A new net namespace has only "lo", and it is down: 127.0.0.1 between the pod's
     * containers needs it up. An ioctl on any socket of the namespace is the smallest way. */
    PP_AUTOCLOSE int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return pp_fail(c, PP_STEP_LOOPBACK, -1, "lo");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        return pp_fail(c, PP_STEP_LOOPBACK, -1, "lo");
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
        return pp_fail(c, PP_STEP_LOOPBACK, -1, "lo");
    return 0;
}

int pp_pin_namespace(struct pp_ctx *c, const char *source, const char *pin)
{
    int fd = open(pin, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0444);
    if (fd < 0)
        return pp_fail(c, PP_STEP_PIN_NAMESPACE, -1, pin);
    close(fd);
    /* A bind mount of the nsfs file keeps the namespace alive with no process in it, and
     * gives it a path that setns() can open later. */
    if (mount(source, pin, NULL, MS_BIND, NULL) < 0)
        return pp_fail(c, PP_STEP_PIN_NAMESPACE, -1, pin);
    return 0;
}

static int pp_pin(struct pp_ctx *c, const char *ns, const char *pin)
{
    char self[64];
    pp_join(self, sizeof self, "/proc/self/ns/", ns);
    return pp_pin_namespace(c, self, pin);
}

int pp_sandbox_inside(struct pp_ctx *c, const struct pp_sandbox *s)
{
    if (!s->host_net && sethostname(s->hostname, strlen(s->hostname)) < 0)
        return pp_fail(c, PP_STEP_SETHOSTNAME, -1, s->hostname);
    if (!s->host_net && pp_loopback_up(c) < 0)
        return -1;
    /* /proc/sys/net and the IPC sysctls show the namespaces of the process that opens them:
     * written here, they set the pod's own. */
    for (size_t i = 0; i < s->sysctl_count; i++) {
        PP_AUTOCLOSE int fd = open(s->sysctl_paths[i], O_WRONLY | O_CLOEXEC);
        size_t n = strlen(s->sysctl_values[i]);
        if (fd < 0 || write(fd, s->sysctl_values[i], n) != (ssize_t)n)
            return pp_fail(c, PP_STEP_SYSCTL, -1, s->sysctl_paths[i]);
    }
    return 0;
}

__attribute__((noreturn)) static void pp_sandbox_child(const struct pp_sandbox *s, int errfd)
{
    struct pp_ctx c;
    memset(&c, 0, sizeof c);
    c.err.index = -1;
    c.errfd = errfd;
    /* Signals stay blocked (inherited from the parent): this child only makes system calls and
     * exits, and must not run a handler of the caller. */
    /* A namespace of the host (hostNetwork, hostIPC) is pinned as it is: the child is in it.
     * With a user namespace the pod's namespaces are made by a child of this one (userns.c):
     * this process stays root of the host, which pinning them in the host's mount namespace
     * takes. */
    int flags = (s->host_net ? 0 : CLONE_NEWNET | CLONE_NEWUTS) | (s->host_ipc ? 0 : CLONE_NEWIPC);
    /* The pod's veth pair is made from the host's namespace: a netlink socket stays in the
     * namespace it was opened in, so it is opened before leaving it. */
    int host_rtnl = -1, bridge = -1;
    if (s->net != NULL && (bridge = pp_pod_network_bridge(&c, s->net)) < 0)
        pp_die(&c);
    if (s->net != NULL && (host_rtnl = pp_rtnl_open()) < 0) {
        pp_fail(&c, PP_STEP_NET_VETH, -1, s->net->host_if);
        pp_die(&c);
    }
    if (s->pin_user == NULL && flags != 0 && unshare(flags) < 0) {
        pp_fail(&c, PP_STEP_UNSHARE, -1, NULL);
        pp_die(&c);
    }
    /* One tmpfs holds the pins and the pod's /dev/shm (bound into each container, so POSIX
     * shared memory is shared by the pod and bounded by the pod's size, not the host's
     * /dev/shm): a single unmount later releases all of them. */
    if (mount("shm", s->dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, s->dir_data) < 0) {
        pp_fail(&c, PP_STEP_MOUNT_POD_SHM, -1, s->dir);
        pp_die(&c);
    }
    if (s->pin_user != NULL) {
        if (pp_sandbox_userns(&c, s) < 0)
            pp_die(&c);
    } else if (pp_sandbox_inside(&c, s) < 0 ||
               pp_pin(&c, "net", s->pin_net) < 0 ||
               pp_pin(&c, "ipc", s->pin_ipc) < 0 ||
               pp_pin(&c, "uts", s->pin_uts) < 0) {
        pp_die(&c);
    }
    if (s->net != NULL && pp_pod_network_setup(&c, host_rtnl, bridge, s->net, s->pin_net) < 0)
        pp_die(&c);
    if (mkdir(s->shm_dir, 01777) < 0 || chmod(s->shm_dir, 01777) < 0) {
        pp_fail(&c, PP_STEP_MOUNT_POD_SHM, -1, s->shm_dir);
        pp_die(&c);
    }
    /* No exec follows, so success is an explicit empty record: end-of-file alone would also
     * be what a crash looks like. */
    pp_die(&c);
}

/* Start `child` in a fresh process with a report pipe. Returns its pid and the pipe's read end
 * in *report_fd, or -1 with *err. */
static pid_t pp_helper_start(struct pp_error *err, unsigned long flags, int *report_fd,
                             void (*child)(const void *, int), const void *arg)
{
    memset(err, 0, sizeof *err);
    err->index = -1;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        err->step = PP_STEP_PIPE;
        err->err = errno;
        return -1;
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = pp_clone(flags, -1);
    if (pid == 0) {
        close(p[0]);
        child(arg, p[1]);
        _exit(127);
    }
    int clone_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        err->step = PP_STEP_CLONE;
        err->err = clone_errno;
        return -1;
    }
    *report_fd = p[0];
    return pid;
}

/* Wait for the (step, errno) record of a helper started by pp_helper_start and close its pipe;
 * 0 when it reported PP_STEP_NONE. A helper that failed is reaped here. */
static int pp_helper_result(struct pp_error *err, pid_t pid, int report_fd)
{
    memset(err, 0, sizeof *err);
    err->index = -1;
    struct pp_error rec;
    size_t got = 0;
    while (got < sizeof rec) {
        ssize_t r = read(report_fd, (char *)&rec + got, sizeof rec - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(report_fd);
    if (got == sizeof rec && rec.step == PP_STEP_NONE) {
        /* A helper may report a number there (the pause's pid, pp_pause_spawn). */
        err->index = rec.index;
        return 0;
    }
    if (got == sizeof rec) {
        *err = rec;
        err->path[sizeof err->path - 1] = '\0';
    } else {
        err->step = PP_STEP_HELPER_DIED;
        err->err = ECHILD;
    }
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    errno = err->err;
    return -1;
}

/* Run `child` in a fresh process and wait for its (step, errno) record; 0 when it reported
 * PP_STEP_NONE. */
static int pp_run_helper(struct pp_error *err, unsigned long flags, pid_t *out_pid,
                         void (*child)(const void *, int), const void *arg)
{
    int fd = -1;
    pid_t pid = pp_helper_start(err, flags, &fd, child, arg);
    if (pid < 0)
        return -1;
    if (pp_helper_result(err, pid, fd) < 0)
        return -1;
    if (out_pid != NULL)
        *out_pid = pid;
    return 0;
}

static void pp_sandbox_entry(const void *arg, int errfd)
{
    pp_sandbox_child(arg, errfd);
}

pid_t pp_sandbox_start(const struct pp_sandbox *s, int *report_fd, struct pp_error *err)
{
    /* The helper is a fork: it has its own copy of *s, so the caller may free it at once. */
    return pp_helper_start(err, 0, report_fd, pp_sandbox_entry, s);
}

int pp_sandbox_finish(pid_t pid, int report_fd, struct pp_error *err)
{
    if (pp_helper_result(err, pid, report_fd) < 0)
        return -1;
    /* The helper exits right after its record. ECHILD: the caller's own reaper got it first. */
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return 0;
}

int pp_sandbox_create(const struct pp_sandbox *s, struct pp_error *err)
{
    int fd = -1;
    pid_t pid = pp_sandbox_start(s, &fd, err);
    if (pid < 0)
        return -1;
    return pp_sandbox_finish(pid, fd, err);
}

__attribute__((noreturn)) static void pp_pause_child(int errfd)
{
    struct pp_ctx c;
    memset(&c, 0, sizeof c);
    c.err.index = -1;
    c.errfd = errfd;
    /* Never exec'd, so it must itself let go of everything the caller had open: stdio (a
     * terminal or a log pipe whose reader waits for end-of-file) and every other fd. */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) {
        pp_fail(&c, PP_STEP_STDIO, -1, "/dev/null");
        pp_die(&c);
    }
    (void)prctl(PR_SET_NAME, "peapod-pause", 0, 0, 0);
    /* Handlers of the caller must not run here; keep only the three signals we wait for
     * blocked. As PID 1 of its namespace, a blocked signal is still delivered to sigwaitinfo
     * (the init protection only drops signals whose action is the default). */
    for (int sig = 1; sig < NSIG; sig++)
        pp_default_signal(sig);
    sigset_t wait_set;
    sigemptyset(&wait_set);
    sigaddset(&wait_set, SIGCHLD);
    sigaddset(&wait_set, SIGTERM);
    sigaddset(&wait_set, SIGINT);
    (void)sigprocmask(SIG_SETMASK, &wait_set, NULL);
    /* Report success, then close everything, the report pipe included (its EOF is the
     * parent's cue too). */
    ssize_t w;
    do {
        w = write(errfd, &c.err, sizeof c.err);
    } while (w < 0 && errno == EINTR);
    (void)close_range(3, ~0U, 0);
    for (;;) {
        siginfo_t info;
        int sig = sigwaitinfo(&wait_set, &info);
        if (sig == SIGCHLD) {
            /* Orphans of the shared namespace are reparented to us: reap them. */
            while (waitpid(-1, NULL, WNOHANG) > 0)
                ;
        } else if (sig == SIGTERM || sig == SIGINT) {
            _exit(0);
        }
    }
}

static void pp_pause_entry(const void *arg, int errfd)
{
    (void)arg;
    pp_pause_child(errfd);
}

/* The pause of a pod's user namespace: root of the namespace, never of the host, and not
 * dumpable in memory made outside the namespace (userns.c), so no process of the pod can trace
 * it or reach the host's filesystem it stands in. */
static int pp_pause_in_userns(void *arg)
{
    struct pp_ctx c;
    memset(&c, 0, sizeof c);
    c.err.index = -1;
    c.errfd = *(const int *)arg;
    if (pp_become_namespace_root(&c) < 0)
        pp_die(&c);
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
        pp_fail(&c, PP_STEP_DUMPABLE, -1, NULL);
        pp_die(&c);
    }
    pp_pause_child(c.errfd);
}

/* The helper of a pause in a pod's user namespace: it joins the namespace and clones the pause
 * from there, so that the PID namespace belongs to it (a container mounts the /proc of a PID
 * namespace only as root of the namespace's owner). CLONE_PARENT makes the pause the caller's
 * child, as without a user namespace; CLONE_VM without CLONE_VFORK gives it this process's
 * memory, which outlives this process's exit, on a stack of its own in it. The success record
 * carries the pause's pid. */
static void pp_pause_userns_entry(const void *arg, int errfd)
{
    struct pp_ctx c;
    memset(&c, 0, sizeof c);
    c.err.index = -1;
    c.errfd = errfd;
    int p[2];
    if (pp_join_namespace(&c, arg, CLONE_NEWUSER, PP_STEP_JOIN_USER) < 0)
        pp_die(&c);
    if (pipe2(p, O_CLOEXEC) < 0) {
        pp_fail(&c, PP_STEP_PIPE, -1, NULL);
        pp_die(&c);
    }
    static _Alignas(16) char stack[PP_VFORK_STACK];
    /* With CLONE_PARENT the exit signal is ours, SIGCHLD, so none is given. */
    pid_t pid = clone(pp_pause_in_userns, stack + sizeof stack, CLONE_VM | CLONE_PARENT | CLONE_NEWPID, &p[1]);
    if (pid < 0) {
        /* Refused (under valgrind): a copy. */
        pid = pp_clone(CLONE_NEWPID | CLONE_PARENT, -1);
        if (pid == 0)
            pp_pause_in_userns(&p[1]);
    }
    close(p[1]);
    if (pid < 0) {
        pp_fail(&c, PP_STEP_CLONE, -1, NULL);
        pp_die(&c);
    }
    struct pp_error rec;
    if (pp_read_full(p[0], &rec, sizeof rec) != sizeof rec) {
        errno = ECHILD;
        pp_fail(&c, PP_STEP_HELPER_DIED, -1, NULL);
        pp_die(&c);
    }
    if (rec.step != PP_STEP_NONE)
        c.err = rec;
    else
        c.err.index = pid;
    pp_die(&c);
}

pid_t pp_pause_spawn(const char *user_pin, struct pp_error *err)
{
    pid_t pid = -1;
    if (user_pin == NULL) {
        if (pp_run_helper(err, CLONE_NEWPID, &pid, pp_pause_entry, NULL) < 0)
            return -1;
        return pid;
    }
    if (pp_run_helper(err, 0, &pid, pp_pause_userns_entry, user_pin) < 0)
        return -1;
    pid_t pause = err->index;
    pp_reap(pid);  /* the helper exits after its record */
    err->index = -1;
    return pause;
}

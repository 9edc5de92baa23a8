/*
 * userns.c: pods with a user namespace of their own (hostUsers: false), as the kubelet asks
 * containerd and runc for one: container uid and gid 0-65535 are a range of unprivileged host ids
 * of the pod's own, and the pod's namespaces belong to its user namespace, so the container's
 * root has its capabilities over its own network, IPC, UTS, PID and mount namespaces and none
 * over the host's.
 *
 * Two rules shape the order of everything here:
 *  - a process that has joined (or made) a child user namespace has no capability left over
 *    anything its parent namespace owns: the host's mount namespace (so no pin can be bound
 *    there), the host's filesystems (so no id-mapped mount of them can be made, that takes
 *    CAP_SYS_ADMIN over the filesystem's owner), a lower oom_score_adj. Those are done first, or
 *    by a process that stays root of the host;
 *  - a namespace belongs to the user namespace of the process that makes it, so the pod's
 *    namespaces, and each container's PID and mount namespaces, are made from inside.
 *
 * The sandbox: the helper (root of the host) clones a child into a new user namespace together
 * with the pod's network, IPC and UTS namespaces, writes the child's uid and gid maps, lets it set
 * the hostname, loopback and sysctls from inside, pins the four namespaces from the child's /proc
 * entries, and lets it go.
 *
 * A container: an intermediate process, root of the host, enters the container's limits, makes
 * detached copies (open_tree) of the image layers id-mapped to the pod (files of host uid 0 show as
 * the container's root) and of the bind sources, mounts the overlay in a mount namespace of its
 * own (as containerd mounts it: overlayfs then works with the host's credentials and the upper
 * dir keeps whatever the container's processes make, owned by the pod's ids), steps into it, joins
 * the pod's user namespace and clones the container with new PID and mount namespaces, which
 * belong to it. The container becomes uid 0 of the namespace first of all, binds the root it
 * stands in onto itself (pivot_root refuses a mount inherited from a more privileged namespace)
 * and goes on as any container, attaching the prepared copies instead of binding host paths it
 * can no longer reach.
 *
 * Every process here that is uid 0 of the host while inside the pod's user namespace, or sees the
 * host's filesystem, shares the memory of a process made outside it (CLONE_VM) and is not
 * dumpable: ptrace and /proc/PID/root then need CAP_SYS_PTRACE over the namespace that memory was
 * made in, the host's, which no process of the pod has.
 */
#include "internal.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* A detached copy of the tree at `path` (open_tree), made read-only and id-mapped to the user
 * namespace `userns` as asked; the fd, or -1 with errno and *failed naming the call that failed
 * (0: open_tree, 1: mount_setattr). */
static int pp_tree_copy(const char *path, int recursive, int userns, int read_only, int *failed)
{
    unsigned rec = recursive ? AT_RECURSIVE : 0;
    *failed = 0;
    int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec);
    if (fd < 0)
        return -1;
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    if (userns >= 0) {
        attr.attr_set |= MOUNT_ATTR_IDMAP;
        attr.userns_fd = (uint64_t)userns;
    }
    if (read_only)
        attr.attr_set |= MOUNT_ATTR_RDONLY;
    if (attr.attr_set != 0 && syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | rec, &attr, sizeof attr) < 0) {
        *failed = 1;
        pp_closep(&fd);
        return -1;
    }
    return fd;
}

/* The layers and bind sources, copied as root of the host into l->tree_fds. */
static int pp_prepare_trees(struct pp_ctx *c, const struct pp_launch *l, int userns)
{
    int failed;
    for (size_t i = 0; i < l->layer_count; i++) {
        l->tree_fds[i] = pp_tree_copy(l->layers[i], 0, userns, 0, &failed);
        if (l->tree_fds[i] < 0)
            return pp_fail(c, PP_STEP_ID_MAPPED_MOUNT, -1, l->layers[i]);
    }
    for (size_t i = 0; i < l->mount_count; i++) {
        const struct pp_mount *m = &l->mounts[i];
        int32_t *fd = &l->tree_fds[l->layer_count + i];
        *fd = -1;
        if (m->kind != PP_MOUNT_BIND)
            continue;
        *fd = pp_tree_copy(m->source, m->recursive, m->id_mapped ? userns : -1, m->read_only, &failed);
        if (*fd < 0) {
            int step = !failed ? PP_STEP_MOUNT_SOURCE : m->id_mapped ? PP_STEP_ID_MAPPED_MOUNT : PP_STEP_MOUNT_READONLY;
            return pp_fail(c, step, (int)i, m->source);
        }
    }
    return 0;
}

int pp_join_cgroup_dir(struct pp_ctx *c, int dir)
{
    PP_AUTOCLOSE int procs = openat(dir, "cgroup.procs", O_WRONLY | O_CLOEXEC);
    if (procs < 0 || write(procs, "0", 1) != 1)
        return pp_fail(c, PP_STEP_JOIN_CGROUP, -1, "cgroup.procs");
    return 0;
}

struct pp_userns_child {
    const struct pp_launch *l;
    int errfd;
};

static int pp_userns_container(void *arg)
{
    struct pp_userns_child *child = arg;
    pp_container_child(child->l, child->errfd);
}

struct pp_userns_start {
    const struct pp_launch *l;
    const int *errpipe;
    const int *pidpipe;
};

static int pp_userns_intermediate(void *arg)
{
    struct pp_userns_start *s = arg;
    const struct pp_launch *l = s->l;
    const struct pp_process *p = &l->process;
    struct pp_ctx c;
    pp_intermediate_begin(&c, s->errpipe, s->pidpipe);
    /* Root of the host until the user namespace is joined: nothing in the pod may trace it. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
        pp_fail(&c, PP_STEP_DUMPABLE, -1, NULL);
        pp_die(&c);
    }
    if (pp_enter_limits(&c, p->cgroup_procs, p->cgroup_procs_count, p->set_oom_score_adj, p->oom_score_adj) < 0)
        pp_die(&c);
    PP_AUTOCLOSE int userns = open(l->ns_user, O_RDONLY | O_CLOEXEC);
    if (userns < 0) {
        pp_fail(&c, PP_STEP_OPEN_NAMESPACE, -1, l->ns_user);
        pp_die(&c);
    }
    if (pp_prepare_trees(&c, l, userns) < 0)
        pp_die(&c);
    /* The overlay, in a private mount namespace of this process that the container's copies: the
     * id-mapped layers go over the layers' own paths there, so the overlay data is the usual. */
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        pp_fail(&c, PP_STEP_MAKE_PRIVATE, -1, "/");
        pp_die(&c);
    }
    for (size_t i = 0; i < l->layer_count; i++) {
        if (syscall(SYS_move_mount, l->tree_fds[i], "", AT_FDCWD, l->layers[i], MOVE_MOUNT_F_EMPTY_PATH) < 0) {
            pp_fail(&c, PP_STEP_MOUNT_LAYER, -1, l->layers[i]);
            pp_die(&c);
        }
    }
    /* The container starts in the overlay's root: its copy of this mount namespace has the
     * overlay there, and the working directory is how it finds it without a host path. */
    if (mount("overlay", l->merged_dir, "overlay", 0, l->overlay_data) < 0 || chdir(l->merged_dir) < 0) {
        pp_fail(&c, PP_STEP_MOUNT_ROOTFS, -1, l->merged_dir);
        pp_die(&c);
    }
    /* A cgroup v2 directory is entered here, as root of the host, rather than at the clone: the
     * container can then share this process's memory (see the top of the file). */
    if (p->cgroup_fd >= 0 && pp_join_cgroup_dir(&c, p->cgroup_fd) < 0)
        pp_die(&c);
    /* The pod's network, IPC and UTS namespaces, by their pins in the run root, which only a
     * root of the host may open; the container inherits them. Then into the pod's user
     * namespace, and a shared PID namespace, which belongs to it too; the container's own PID
     * and mount namespaces are made by the clone below, from inside. */
    if (pp_join_sandbox(&c, l) < 0)
        pp_die(&c);
    if (setns(userns, CLONE_NEWUSER) < 0) {
        pp_fail(&c, PP_STEP_JOIN_USER, -1, l->ns_user);
        pp_die(&c);
    }
    if (l->ns_pid != NULL && pp_join_namespace(&c, l->ns_pid, CLONE_NEWPID, PP_STEP_JOIN_PID) < 0)
        pp_die(&c);
    unsigned long flags = CLONE_PARENT | CLONE_NEWNS | (l->ns_pid != NULL ? 0 : CLONE_NEWPID);
    struct pp_userns_child child = {l, c.errfd};
    _Alignas(16) char stack[PP_CHILD_STACK];
    pid_t pid = pp_clone_vfork(pp_userns_container, &child, stack, sizeof stack, flags);
    if (pid < 0) {
        /* Refused (under valgrind): a copy. */
        pid = pp_clone(flags, -1);
        if (pid == 0)
            pp_userns_container(&child);
    }
    if (pid < 0) {
        pp_fail(&c, PP_STEP_CLONE, -1, NULL);
        pp_die(&c);
    }
    ssize_t w;
    do {
        w = write(s->pidpipe[1], &pid, sizeof pid);
    } while (w < 0 && errno == EINTR);
    _exit(0);
}

pid_t pp_spawn_userns(const struct pp_launch *l, struct pp_error *err)
{
    memset(err, 0, sizeof *err);
    err->index = -1;
    int errpipe[2], pidpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) < 0)
        return pp_parent_fail(err, PP_STEP_PIPE);
    if (pipe2(pidpipe, O_CLOEXEC) < 0) {
        close(errpipe[0]);
        close(errpipe[1]);
        return pp_parent_fail(err, PP_STEP_PIPE);
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    /* The intermediate shares our memory (we sleep until it exits); the container it clones is
     * a copy and continues on a copy of its stack, so the stack has the container's room too. */
    struct pp_userns_start start = {l, errpipe, pidpipe};
    _Alignas(16) char stack[PP_CHILD_STACK + 2 * PP_VFORK_STACK];
    pid_t pid = pp_clone_intermediate(pp_userns_intermediate, &start, stack, sizeof stack);
    int clone_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return pp_intermediate_result(pid, clone_errno, errpipe, pidpipe, err);
}

int pp_become_namespace_root(struct pp_ctx *c)
{
    /* Until now uid 0 of the host, which this namespace does not map. Root of the namespace, so
     * that everything made from here on (mount points, the working dir) is owned by the pod's ids
     * and no file of the host's root is the process's own. The host's supplementary groups go;
     * the process's own come at the end (confine.c). */
    if (syscall(SYS_setgroups, 0, NULL) < 0 || syscall(SYS_setresgid, 0, 0, 0) < 0 ||
        syscall(SYS_setresuid, 0, 0, 0) < 0)
        return pp_fail(c, PP_STEP_NAMESPACE_ROOT, -1, NULL);
    return 0;
}

int pp_enter_userns_rootfs(struct pp_ctx *c, const struct pp_launch *l, int *rootfd)
{
    /* The process stands in the overlay's root (the intermediate's working directory). A copy
     * of it attached on top is a mount of this namespace's own, which pivot_root takes; its
     * descriptor is the root every later step and pivot_root use. */
    *rootfd = (int)syscall(SYS_open_tree, AT_FDCWD, ".", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (*rootfd < 0 || syscall(SYS_move_mount, *rootfd, "", AT_FDCWD, ".", MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return pp_fail(c, PP_STEP_MOUNT_ROOTFS, -1, l->merged_dir);
    return 0;
}

/* Write the id map `map` to /proc/PID/<file>. */
static int pp_write_map(struct pp_ctx *c, pid_t pid, const char *file, const char *map)
{
    char path[64];
    if (pp_proc_path(path, sizeof path, pid, file) < 0)
        return pp_fail(c, PP_STEP_ID_MAP, -1, file);
    PP_AUTOCLOSE int fd = open(path, O_WRONLY | O_CLOEXEC);
    size_t n = strlen(map);
    if (fd < 0 || write(fd, map, n) != (ssize_t)n)
        return pp_fail(c, PP_STEP_ID_MAP, -1, path);
    return 0;
}

/* The child that makes the namespaces: it waits for its maps, sets the namespaces up, reports,
 * and stays until the helper has pinned them (the helper closes `go`). */
__attribute__((noreturn)) static void pp_userns_child(const struct pp_sandbox *s, int go, int report)
{
    struct pp_ctx c;
    memset(&c, 0, sizeof c);
    c.err.index = -1;
    c.errfd = report;
    char byte;
    if (pp_read_full(go, &byte, 1) != 1)
        _exit(1);
    if (pp_sandbox_inside(&c, s) < 0)
        pp_die(&c);
    ssize_t w;
    do {
        w = write(report, &c.err, sizeof c.err);
    } while (w < 0 && errno == EINTR);
    (void)pp_read_full(go, &byte, 1);
    _exit(0);
}

int pp_sandbox_userns(struct pp_ctx *c, const struct pp_sandbox *s)
{
    int go[2], report[2];
    if (pipe2(go, O_CLOEXEC) < 0)
        return pp_fail(c, PP_STEP_PIPE, -1, NULL);
    if (pipe2(report, O_CLOEXEC) < 0) {
        pp_fail(c, PP_STEP_PIPE, -1, NULL);
        close(go[0]);
        close(go[1]);
        return -1;
    }
    /* With CLONE_NEWUSER the user namespace is made first and owns the others. */
    pid_t pid = pp_clone(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC, -1);
    if (pid == 0) {
        close(go[1]);
        close(report[0]);
        pp_userns_child(s, go[0], report[1]);
    }
    close(go[0]);
    close(report[1]);
    int ok = 0;
    if (pid < 0) {
        pp_fail(c, PP_STEP_UNSHARE, -1, NULL);
    } else if (pp_write_map(c, pid, "uid_map", s->id_map) == 0 && pp_write_map(c, pid, "gid_map", s->id_map) == 0) {
        /* A root of the host writes the gid map, so setgroups stays allowed in the namespace
         * (the container's supplementary groups need it). */
        struct pp_error rec;
        if (write(go[1], "g", 1) != 1) {
            pp_fail(c, PP_STEP_PIPE, -1, NULL);
        } else if (pp_read_full(report[0], &rec, sizeof rec) != sizeof rec) {
            errno = ECHILD;
            pp_fail(c, PP_STEP_HELPER_DIED, -1, NULL);
        } else if (rec.step != PP_STEP_NONE) {
            rec.path[sizeof rec.path - 1] = '\0';
            c->err = rec;
        } else {
            const char *pins[][2] = {
                {"ns/user", s->pin_user}, {"ns/net", s->pin_net}, {"ns/ipc", s->pin_ipc}, {"ns/uts", s->pin_uts},
            };
            ok = 1;
            for (size_t i = 0; ok && i < sizeof pins / sizeof pins[0]; i++) {
                char source[64];
                if (pp_proc_path(source, sizeof source, pid, pins[i][0]) < 0)
                    ok = pp_fail(c, PP_STEP_PIN_NAMESPACE, -1, pins[i][1]) == 0;
                else
                    ok = pp_pin_namespace(c, source, pins[i][1]) == 0;
            }
        }
    }
    close(go[1]);
    close(report[0]);
    if (pid > 0)
        pp_reap(pid);
    return ok ? 0 : -1;
}

/*
 * copy.c: `peapod cp`'s side inside a container (pp_copy_start): a forked child that enters the
 * container's mount namespace (and the pod's user namespace first, when it has one), takes the
 * container's confinement (cgroups, rlimits, user, capabilities, no_new_privs, seccomp: the
 * process description `peapod exec` starts from), and then reads or writes the container's files
 * while the caller streams them over a socket, in the frames of peapod.h (struct
 * pp_copy_header). No program of the container runs, and nothing of the host is reachable from
 * the child: it holds no descriptor but the socket and the container's root.
 *
 * Every path is resolved inside the container's root: the source or destination given by the
 * user with openat2(RESOLVE_IN_ROOT), so a symlink the container made (`/tmp/x -> /../../host`)
 * is followed as the container would follow it and never leaves its root; the entries of a
 * copied tree beneath the destination with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, so that no
 * symlink, whether in the stream or planted by the container meanwhile, is ever written through.
 * Symlinks are copied as symlinks, never followed; device nodes, FIFOs and sockets are skipped.
 *
 * The child makes system calls only, on fixed buffers (one frame's worth), and never allocates:
 * the caller may be multi-threaded.
 *
 * This file starts the child, takes it into the container and resolves the user's path in the
 * container's root; what it sends is walked in copy_out.c, what it receives is written in
 * copy_in.c, both in the frames of copy_frames.c.
 */
#include "copy.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

long pp_copy_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.mode = mode;
    how.resolve = resolve;
    long fd;
    do {
        fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    } while (fd < 0 && errno == EAGAIN);
    return fd;
}

/* `path` without trailing slashes, split into its directory and last component, in `dir` and
 * `*leaf` (pointing into `dir`'s buffer). "/" and paths ending in "." or ".." have no leaf
 * name of their own: *leaf is then NULL and `dir` the whole path. */
int pp_copy_split(const char *path, char dir[PP_COPY_PATH_MAX], const char **leaf)
{
    size_t n = strlen(path);
    if (n == 0 || n >= PP_COPY_PATH_MAX) {
        errno = n == 0 ? ENOENT : ENAMETOOLONG;
        return -1;
    }
    memcpy(dir, path, n + 1);
    while (n > 1 && dir[n - 1] == '/')
        dir[--n] = '\0';
    char *slash = strrchr(dir, '/');
    const char *last = slash != NULL ? slash + 1 : dir;
    if (strcmp(dir, "/") == 0 || strcmp(last, ".") == 0 || strcmp(last, "..") == 0) {
        *leaf = NULL;
        return 0;
    }
    /* dir keeps the parent (the root when the only slash is the first character); the leaf
     * name follows the parent's NUL in the same buffer. */
    if (slash == NULL) {
        memmove(dir + 2, dir, n + 1);
        dir[0] = '.';
        dir[1] = '\0';
        *leaf = dir + 2;
    } else if (slash == dir) {
        memmove(dir + 2, dir + 1, n);
        dir[1] = '\0';
        *leaf = dir + 2;
    } else {
        *slash = '\0';
        *leaf = slash + 1;
    }
    return 0;
}

__attribute__((noreturn)) static void pp_copy_child(const struct pp_copy *x, pid_t parent)
{
    struct pp_copier w;
    memset(&w.c, 0, sizeof w.c);
    w.c.err.index = -1;
    w.c.errfd = -1;
    w.sock = x->socket;
    w.path_len = 0;
    w.skipped = 0;
    const struct pp_process *p = &x->process;
    /* Gone with the command that started it; not dumpable, so that no process of the container
     * may trace it or open its /proc files while it holds Peapod's privileges (and after). */
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != parent)
        _exit(1);
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
        pp_fail(&w.c, PP_STEP_DUMPABLE, -1, NULL);
        pp_copy_die(&w);
    }
    if (pp_enter_limits(&w.c, p->cgroup_procs, p->cgroup_procs_count, p->set_oom_score_adj, p->oom_score_adj) < 0)
        pp_copy_die(&w);
    pp_reset_signals();
    /* The user namespace first: the mount namespace belongs to it. Joining the mount namespace
     * makes its root (the container's root after its pivot_root) this process's root and
     * working directory. */
    if (x->user_ns_fd >= 0 && setns(x->user_ns_fd, CLONE_NEWUSER) < 0) {
        pp_fail(&w.c, PP_STEP_JOIN_USER, -1, "user");
        pp_copy_die(&w);
    }
    if (setns(x->mnt_ns_fd, CLONE_NEWNS) < 0) {
        pp_fail(&w.c, PP_STEP_JOIN_MNT, -1, "mnt");
        pp_copy_die(&w);
    }
    /* Nothing of the caller's survives but the socket: no descriptor of the host is left to
     * be reached through. */
    pp_close_all_except(w.sock);
    int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0 || chdir("/") < 0) {
        pp_fail(&w.c, PP_STEP_CHDIR, -1, "/");
        pp_copy_die(&w);
    }
    if (pp_confine(&w.c, p) < 0)
        pp_copy_die(&w);
    umask(022);
    if (x->direction == PP_COPY_OUT) {
        pp_copy_out(&w, rootfd, x->path);
        w.path_len = 0;
        (void)pp_copy_send_frame(&w, PP_COPY_DONE, 0, w.skipped, NULL, 0);
        _exit(w.skipped > 0 ? 1 : 0);
    }
    pp_copy_in(&w, rootfd, x->path, x->source_name);
    _exit(1);
}

pid_t pp_copy_start(const struct pp_copy *x, struct pp_error *err)
{
    memset(err, 0, sizeof *err);
    err->index = -1;
    pid_t parent = getpid();
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    /* A copy of the caller (it outlives this call and runs alongside it), born in the
     * container's cgroup v2 directory when there is one. */
    pid_t pid = pp_clone(0, x->process.cgroup_fd);
    if (pid == 0)
        pp_copy_child(x, parent);
    int clone_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) {
        errno = clone_errno;
        return pp_parent_fail(err, PP_STEP_CLONE);
    }
    return pid;
}

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
 */
#include "internal.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

/* How deep a copied tree may go: a frame per level on the child's stack. */
#define PP_COPY_MAX_DEPTH 128

struct pp_copier {
    struct pp_ctx c;
    int sock;
    /* The path of the entry at hand, relative to the copy's root ("" is the root itself). */
    char path[PP_COPY_PATH_MAX];
    size_t path_len;
    /* One frame's data. */
    char data[PP_COPY_CHUNK];
    /* Entries that could not be copied (the child exits 1 when there were any). */
    int skipped;
};

static long pp_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve)
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

#define PP_IN_ROOT (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
#define PP_BENEATH (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

/* One frame: header, path, data, in one sendmsg where the socket takes it. */
static int pp_send_frame(struct pp_copier *w, uint32_t type, uint32_t mode, int32_t err, const char *data,
                         size_t data_len)
{
    struct pp_copy_header h;
    memset(&h, 0, sizeof h);
    h.type = type;
    h.mode = mode;
    h.err = err;
    h.path_length = (uint32_t)w->path_len;
    h.data_length = (uint32_t)data_len;
    struct iovec iov[3] = {{&h, sizeof h}, {w->path, w->path_len}, {(void *)data, data_len}};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = iov;
    msg.msg_iovlen = 3;
    while (msg.msg_iovlen > 0) {
        ssize_t n = sendmsg(w->sock, &msg, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        while (msg.msg_iovlen > 0 && (size_t)n >= msg.msg_iov[0].iov_len) {
            n -= (ssize_t)msg.msg_iov[0].iov_len;
            msg.msg_iov++;
            msg.msg_iovlen--;
        }
        if (msg.msg_iovlen > 0) {
            msg.msg_iov[0].iov_base = (char *)msg.msg_iov[0].iov_base + n;
            msg.msg_iov[0].iov_len -= (size_t)n;
        }
    }
    return 0;
}

/* The failure recorded in w->c as an error frame (mode: the step), then exit. */
__attribute__((noreturn)) static void pp_copy_die(struct pp_copier *w)
{
    size_t n = strlen(w->c.err.path);
    memcpy(w->path, w->c.err.path, n);
    w->path_len = n;
    (void)pp_send_frame(w, PP_COPY_ERROR, (uint32_t)w->c.err.step, w->c.err.err, NULL, 0);
    _exit(1);
}

static void pp_skip(struct pp_copier *w, uint32_t mode, int err)
{
    w->skipped++;
    if (pp_send_frame(w, PP_COPY_SKIPPED, mode, err, NULL, 0) < 0)
        _exit(1);
}

/* Appends "/name" (or "name" at the root) to w->path; 0, or -1 when it would be too long. */
static int pp_push(struct pp_copier *w, const char *name, size_t *saved)
{
    size_t n = strlen(name);
    size_t sep = w->path_len > 0 ? 1 : 0;
    if (w->path_len + sep + n >= sizeof w->path)
        return -1;
    *saved = w->path_len;
    if (sep)
        w->path[w->path_len++] = '/';
    memcpy(w->path + w->path_len, name, n);
    w->path_len += n;
    return 0;
}

static int pp_send_entry(struct pp_copier *w, int dirfd, const char *name, int depth);

static int pp_send_directory(struct pp_copier *w, int dirfd, const char *name, mode_t mode, int depth)
{
    PP_AUTOCLOSE int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        pp_skip(w, mode, errno);
        return 0;
    }
    if (pp_send_frame(w, PP_COPY_DIR, mode, 0, NULL, 0) < 0)
        return -1;
    if (depth >= PP_COPY_MAX_DEPTH) {
        pp_skip(w, mode, ELOOP);
        return 0;
    }
    /* A buffer per level: small, so that the deepest tree allowed fits the stack. */
    char buf[2048];
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            pp_skip(w, mode, errno);
            return 0;
        }
        if (n == 0)
            return 0;
        for (long at = 0; at < n;) {
            struct pp_dirent {
                uint64_t ino;
                int64_t off;
                unsigned short reclen;
                unsigned char type;
                char name[];
            } *d = (struct pp_dirent *)(buf + at);
            at += d->reclen;
            if (strcmp(d->name, ".") == 0 || strcmp(d->name, "..") == 0)
                continue;
            size_t saved;
            if (pp_push(w, d->name, &saved) < 0) {
                pp_skip(w, 0, ENAMETOOLONG);
                continue;
            }
            int r = pp_send_entry(w, fd, d->name, depth + 1);
            w->path_len = saved;
            if (r < 0)
                return -1;
        }
    }
}

static int pp_send_file(struct pp_copier *w, int dirfd, const char *name, mode_t mode)
{
    /* O_NONBLOCK: a FIFO swapped in since the fstatat must not block the copy. */
    PP_AUTOCLOSE int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        pp_skip(w, mode, fd < 0 ? errno : 0);
        return 0;
    }
    if (pp_send_frame(w, PP_COPY_FILE, st.st_mode, 0, NULL, 0) < 0)
        return -1;
    size_t saved = w->path_len;
    w->path_len = 0;  /* data frames carry no path */
    int err = 0;
    for (;;) {
        ssize_t n = read(fd, w->data, sizeof w->data);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            err = errno;
        if (n <= 0)
            break;
        if (pp_send_frame(w, PP_COPY_DATA, 0, 0, w->data, (size_t)n) < 0)
            return -1;
    }
    w->path_len = saved;
    if (err != 0)
        w->skipped++;
    return pp_send_frame(w, PP_COPY_FILE_END, st.st_mode, err, NULL, 0);
}

static int pp_send_entry(struct pp_copier *w, int dirfd, const char *name, int depth)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        pp_skip(w, 0, errno);
        return 0;
    }
    if (S_ISDIR(st.st_mode))
        return pp_send_directory(w, dirfd, name, st.st_mode, depth);
    if (S_ISREG(st.st_mode))
        return pp_send_file(w, dirfd, name, st.st_mode);
    if (S_ISLNK(st.st_mode)) {
        ssize_t n = readlinkat(dirfd, name, w->data, PP_COPY_PATH_MAX);
        if (n < 0 || n >= PP_COPY_PATH_MAX) {
            pp_skip(w, st.st_mode, n < 0 ? errno : ENAMETOOLONG);
            return 0;
        }
        return pp_send_frame(w, PP_COPY_SYMLINK, st.st_mode, 0, w->data, (size_t)n);
    }
    /* Device nodes, FIFOs and sockets: nothing a copy should make on the other side. */
    pp_skip(w, st.st_mode, 0);
    return 0;
}

/* `path` without trailing slashes, split into its directory and last component, in `dir` and
 * `*leaf` (pointing into `dir`'s buffer). "/" and paths ending in "." or ".." have no leaf
 * name of their own: *leaf is then NULL and `dir` the whole path. */
static int pp_split(const char *path, char dir[PP_COPY_PATH_MAX], const char **leaf)
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

static void pp_copy_out(struct pp_copier *w, int rootfd, const char *path)
{
    char dir[PP_COPY_PATH_MAX + 2];
    const char *leaf;
    if (pp_split(path, dir, &leaf) < 0) {
        pp_fail(&w->c, PP_STEP_COPY_SOURCE, -1, path);
        pp_copy_die(w);
    }
    PP_AUTOCLOSE int parent = (int)pp_openat2(rootfd, dir, O_PATH | O_DIRECTORY, 0, PP_IN_ROOT);
    if (parent < 0) {
        pp_fail(&w->c, PP_STEP_COPY_SOURCE, -1, path);
        pp_copy_die(w);
    }
    const char *name = leaf != NULL ? leaf : ".";
    /* The source itself must be there: a missing one is the copy's failure, not a skipped entry. */
    struct stat st;
    if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        pp_fail(&w->c, PP_STEP_COPY_SOURCE, -1, path);
        pp_copy_die(w);
    }
    w->path_len = 0;
    if (pp_send_entry(w, parent, name, 0) < 0)
        _exit(1);
}

/* Reads exactly n bytes; -1 at end-of-file or an error. */
static int pp_recv_all(int sock, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(sock, (char *)buf + got, n - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = EPIPE;
            return -1;
        }
        got += (size_t)r;
    }
    return 0;
}

static int pp_write_all(int fd, const char *data, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        data += w;
        n -= (size_t)w;
    }
    return 0;
}

/* An entry path of the stream: relative, no empty, "." or ".." component. */
static int pp_entry_path_ok(const char *p, size_t n)
{
    if (memchr(p, '\0', n) != NULL || (n > 0 && p[0] == '/'))
        return 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && p[i] != '/')
            continue;
        size_t len = i - start;
        if (n > 0 && (len == 0 || (len == 1 && p[start] == '.') || (len == 2 && p[start] == '.' && p[start + 1] == '.')))
            return 0;
        start = i + 1;
    }
    return 1;
}

/* The directory an entry goes in, beneath `base`, and its name: `rel` is "NAME" or "NAME/..."
 * with NAME the copy's root name. Never through a symlink. */
static int pp_entry_parent(int base, char *rel, const char **leaf)
{
    char *slash = strrchr(rel, '/');
    if (slash == NULL) {
        *leaf = rel;
        return (int)fcntl(base, F_DUPFD_CLOEXEC, 3);
    }
    *slash = '\0';
    *leaf = slash + 1;
    int fd = (int)pp_openat2(base, rel, O_PATH | O_DIRECTORY, 0, PP_BENEATH);
    *slash = '/';
    return fd;
}

/* Creates a file, replacing a symlink or a non-directory in the way (as tar replaces one),
 * never writing through a symlink. */
static int pp_create_file(int dirfd, const char *leaf, mode_t mode)
{
    int flags = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK;
    int fd = (int)pp_openat2(dirfd, leaf, flags, mode & 0777, PP_BENEATH);
    if (fd < 0 && (errno == ELOOP || errno == ENXIO || errno == ETXTBSY)) {
        if (unlinkat(dirfd, leaf, 0) < 0)
            return -1;
        fd = (int)pp_openat2(dirfd, leaf, flags | O_EXCL, mode & 0777, PP_BENEATH);
    }
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        errno = EEXIST;
        return -1;
    }
    if (fd >= 0)
        (void)fcntl(fd, F_SETFL, 0);
    return fd;
}

static void pp_copy_in(struct pp_copier *w, int rootfd, const char *path, const char *source_name)
{
    /* As kubectl: into an existing directory the source goes under its own name; anything else
     * is the copy's new name, in a directory that must exist. */
    PP_AUTOCLOSE int base = (int)pp_openat2(rootfd, path, O_PATH | O_DIRECTORY, 0, PP_IN_ROOT);
    char dir[PP_COPY_PATH_MAX + 2];
    const char *name = source_name;
    if (base < 0) {
        const char *leaf;
        if (pp_split(path, dir, &leaf) < 0 || leaf == NULL) {
            pp_fail(&w->c, PP_STEP_COPY_DESTINATION, -1, path);
            pp_copy_die(w);
        }
        base = (int)pp_openat2(rootfd, dir, O_PATH | O_DIRECTORY, 0, PP_IN_ROOT);
        if (base < 0) {
            pp_fail(&w->c, PP_STEP_COPY_DESTINATION, -1, dir);
            pp_copy_die(w);
        }
        name = leaf;
    }
    size_t name_len = strlen(name);
    if (!pp_entry_path_ok(name, name_len) || name_len == 0 || name_len >= PP_COPY_PATH_MAX) {
        errno = EINVAL;
        pp_fail(&w->c, PP_STEP_COPY_DESTINATION, -1, path);
        pp_copy_die(w);
    }
    char rel[2 * PP_COPY_PATH_MAX + 2];
    PP_AUTOCLOSE int file = -1;
    for (;;) {
        struct pp_copy_header h;
        int bad = pp_recv_all(w->sock, &h, sizeof h) < 0;
        if (!bad && (h.path_length >= PP_COPY_PATH_MAX || h.data_length > PP_COPY_CHUNK)) {
            errno = EPROTO;
            bad = 1;
        }
        bad = bad || pp_recv_all(w->sock, w->path, h.path_length) < 0 || pp_recv_all(w->sock, w->data, h.data_length) < 0;
        if (!bad && !pp_entry_path_ok(w->path, h.path_length)) {
            errno = EPROTO;
            bad = 1;
        }
        if (bad) {
            pp_fail(&w->c, PP_STEP_COPY_STREAM, -1, NULL);
            pp_copy_die(w);
        }
        w->path_len = h.path_length;
        w->path[w->path_len] = '\0';
        if (h.type == PP_COPY_DONE) {
            w->path_len = 0;
            (void)pp_send_frame(w, PP_COPY_DONE, 0, w->skipped, NULL, 0);
            _exit(w->skipped > 0 ? 1 : 0);
        }
        if (h.type == PP_COPY_DATA) {
            if (file >= 0 && pp_write_all(file, w->data, h.data_length) < 0) {
                close(file);
                file = -1;
                pp_skip(w, 0, errno);
            }
            continue;
        }
        if (h.type == PP_COPY_FILE_END) {
            if (file >= 0)
                close(file);
            file = -1;
            continue;
        }
        memcpy(rel, name, name_len);
        size_t at = name_len;
        if (w->path_len > 0) {
            rel[at++] = '/';
            memcpy(rel + at, w->path, w->path_len);
            at += w->path_len;
        }
        rel[at] = '\0';
        const char *leaf;
        PP_AUTOCLOSE int dirfd = pp_entry_parent(base, rel, &leaf);
        if (dirfd < 0) {
            pp_skip(w, h.mode, errno);
            continue;
        }
        if (h.type == PP_COPY_DIR) {
            struct stat st;
            if (mkdirat(dirfd, leaf, h.mode & 0777) < 0 &&
                (errno != EEXIST || fstatat(dirfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)))
                pp_skip(w, h.mode, errno == EEXIST ? ENOTDIR : errno);
        } else if (h.type == PP_COPY_FILE) {
            file = pp_create_file(dirfd, leaf, h.mode);
            if (file < 0)
                pp_skip(w, h.mode, errno);
        } else if (h.type == PP_COPY_SYMLINK && h.data_length < PP_COPY_PATH_MAX) {
            w->data[h.data_length] = '\0';
            struct stat st;
            if (symlinkat(w->data, dirfd, leaf) < 0 &&
                (errno != EEXIST || fstatat(dirfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode) ||
                 unlinkat(dirfd, leaf, 0) < 0 || symlinkat(w->data, dirfd, leaf) < 0))
                pp_skip(w, h.mode, errno);
        } else {
            errno = EPROTO;
            pp_fail(&w->c, PP_STEP_COPY_STREAM, -1, NULL);
            pp_copy_die(w);
        }
    }
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
        (void)pp_send_frame(&w, PP_COPY_DONE, 0, w.skipped, NULL, 0);
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

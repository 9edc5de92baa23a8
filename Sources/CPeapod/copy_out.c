/*
 * copy_out.c: copying out of a container (`peapod cp POD:PATH ...`): the child walks the tree at
 * the source, inside the container's root, and sends each entry as frames. Directories are read
 * with getdents64 on a small buffer per level, entries are opened with O_NOFOLLOW relative to
 * their directory, symlinks are sent as symlinks, device nodes, FIFOs and sockets are skipped.
 */
#include "copy.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* How deep a copied tree may go: a frame per level on the child's stack. */
#define PP_COPY_MAX_DEPTH 128

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
        pp_copy_skip(w, mode, errno);
        return 0;
    }
    if (pp_copy_send_frame(w, PP_COPY_DIR, mode, 0, NULL, 0) < 0)
        return -1;
    if (depth >= PP_COPY_MAX_DEPTH) {
        pp_copy_skip(w, mode, ELOOP);
        return 0;
    }
    /* A buffer per level: small, so that the deepest tree allowed fits the stack. */
    char buf[2048];
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            pp_copy_skip(w, mode, errno);
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
                pp_copy_skip(w, 0, ENAMETOOLONG);
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
        pp_copy_skip(w, mode, fd < 0 ? errno : 0);
        return 0;
    }
    if (pp_copy_send_frame(w, PP_COPY_FILE, st.st_mode, 0, NULL, 0) < 0)
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
        if (pp_copy_send_frame(w, PP_COPY_DATA, 0, 0, w->data, (size_t)n) < 0)
            return -1;
    }
    w->path_len = saved;
    if (err != 0)
        w->skipped++;
    return pp_copy_send_frame(w, PP_COPY_FILE_END, st.st_mode, err, NULL, 0);
}

static int pp_send_entry(struct pp_copier *w, int dirfd, const char *name, int depth)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        pp_copy_skip(w, 0, errno);
        return 0;
    }
    if (S_ISDIR(st.st_mode))
        return pp_send_directory(w, dirfd, name, st.st_mode, depth);
    if (S_ISREG(st.st_mode))
        return pp_send_file(w, dirfd, name, st.st_mode);
    if (S_ISLNK(st.st_mode)) {
        ssize_t n = readlinkat(dirfd, name, w->data, PP_COPY_PATH_MAX);
        if (n < 0 || n >= PP_COPY_PATH_MAX) {
            pp_copy_skip(w, st.st_mode, n < 0 ? errno : ENAMETOOLONG);
            return 0;
        }
        return pp_copy_send_frame(w, PP_COPY_SYMLINK, st.st_mode, 0, w->data, (size_t)n);
    }
    /* Device nodes, FIFOs and sockets: nothing a copy should make on the other side. */
    pp_copy_skip(w, st.st_mode, 0);
    return 0;
}

void pp_copy_out(struct pp_copier *w, int rootfd, const char *path)
{
    char dir[PP_COPY_PATH_MAX + 2];
    const char *leaf;
    if (pp_copy_split(path, dir, &leaf) < 0) {
        pp_fail(&w->c, PP_STEP_COPY_SOURCE, -1, path);
        pp_copy_die(w);
    }
    PP_AUTOCLOSE int parent = (int)pp_copy_openat2(rootfd, dir, O_PATH | O_DIRECTORY, 0, PP_IN_ROOT);
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

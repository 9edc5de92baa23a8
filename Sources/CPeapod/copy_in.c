/*
 * copy_in.c: copying into a container (`peapod cp ... POD:PATH`): the child reads the caller's
 * frames and makes each entry beneath the destination, never through a symlink (openat2 with
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), replacing a symlink or file in the way as tar does.
 * Entry paths of the stream are checked before use: relative, with no "." or ".." component.
 */
#include "copy.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

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
    int fd = (int)pp_copy_openat2(base, rel, O_PATH | O_DIRECTORY, 0, PP_BENEATH);
    *slash = '/';
    return fd;
}

/* Creates a file, replacing a symlink or a non-directory in the way (as tar replaces one),
 * never writing through a symlink. */
static int pp_create_file(int dirfd, const char *leaf, mode_t mode)
{
    int flags = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK;
    int fd = (int)pp_copy_openat2(dirfd, leaf, flags, mode & 0777, PP_BENEATH);
    if (fd < 0 && (errno == ELOOP || errno == ENXIO || errno == ETXTBSY)) {
        if (unlinkat(dirfd, leaf, 0) < 0)
            return -1;
        fd = (int)pp_copy_openat2(dirfd, leaf, flags | O_EXCL, mode & 0777, PP_BENEATH);
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

void pp_copy_in(struct pp_copier *w, int rootfd, const char *path, const char *source_name)
{
    /* As kubectl: into an existing directory the source goes under its own name; anything else
     * is the copy's new name, in a directory that must exist. */
    PP_AUTOCLOSE int base = (int)pp_copy_openat2(rootfd, path, O_PATH | O_DIRECTORY, 0, PP_IN_ROOT);
    char dir[PP_COPY_PATH_MAX + 2];
    const char *name = source_name;
    if (base < 0) {
        const char *leaf;
        if (pp_copy_split(path, dir, &leaf) < 0 || leaf == NULL) {
            pp_fail(&w->c, PP_STEP_COPY_DESTINATION, -1, path);
            pp_copy_die(w);
        }
        base = (int)pp_copy_openat2(rootfd, dir, O_PATH | O_DIRECTORY, 0, PP_IN_ROOT);
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
            (void)pp_copy_send_frame(w, PP_COPY_DONE, 0, w->skipped, NULL, 0);
            _exit(w->skipped > 0 ? 1 : 0);
        }
        if (h.type == PP_COPY_DATA) {
            if (file >= 0 && pp_write_all(file, w->data, h.data_length) < 0) {
                close(file);
                file = -1;
                pp_copy_skip(w, 0, errno);
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
            pp_copy_skip(w, h.mode, errno);
            continue;
        }
        if (h.type == PP_COPY_DIR) {
            struct stat st;
            if (mkdirat(dirfd, leaf, h.mode & 0777) < 0 &&
                (errno != EEXIST || fstatat(dirfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)))
                pp_copy_skip(w, h.mode, errno == EEXIST ? ENOTDIR : errno);
        } else if (h.type == PP_COPY_FILE) {
            file = pp_create_file(dirfd, leaf, h.mode);
            if (file < 0)
                pp_copy_skip(w, h.mode, errno);
        } else if (h.type == PP_COPY_SYMLINK && h.data_length < PP_COPY_PATH_MAX) {
            w->data[h.data_length] = '\0';
            struct stat st;
            if (symlinkat(w->data, dirfd, leaf) < 0 &&
                (errno != EEXIST || fstatat(dirfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode) ||
                 unlinkat(dirfd, leaf, 0) < 0 || symlinkat(w->data, dirfd, leaf) < 0))
                pp_copy_skip(w, h.mode, errno);
        } else {
            errno = EPROTO;
            pp_fail(&w->c, PP_STEP_COPY_STREAM, -1, NULL);
            pp_copy_die(w);
        }
    }
}

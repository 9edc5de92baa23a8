/*
 * rootfs.c: how a container's root filesystem is assembled and entered.
 *
 * Order (see spawn.c for the whole sequence): make the inherited mount tree private, mount the
 * overlay, then (devices.c) the kernel filesystems, then the caller's mounts, masked and
 * read-only paths, the read-only root, and finally pivot_root.
 *
 * Every path inside the container is resolved with openat2(RESOLVE_IN_ROOT): the image is
 * untrusted, and a symlink such as /data -> /../../etc in it must resolve inside the rootfs,
 * never to the host (the class of bugs behind CVE-2021-30465). Mounts are then made onto the
 * resolved O_PATH fd through /proc/self/fd/N, so no path is looked up twice.
 */
#include "internal.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

int pp_open_in_root(int rootfd, const char *path, int flags)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(O_PATH | O_CLOEXEC | flags);
    /* IN_ROOT: "..", absolute paths and absolute symlinks stay below rootfd. NO_MAGICLINKS:
     * an image's symlink into /proc/self/... must not lead out either. */
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    /* With "..", the kernel answers EAGAIN when any mount or rename happened on the system
     * during the walk (it cannot then prove the walk stayed inside); simply try again. */
    int fd = -1;
    for (int attempt = 0; attempt < 256; attempt++) {
        fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
        if (fd >= 0 || errno != EAGAIN)
            break;
    }
    return fd;
}

int pp_mkdir_in_root(int rootfd, const char *path, int last_is_file)
{
    int fd = pp_open_in_root(rootfd, path, 0);
    if (fd >= 0 || errno != ENOENT)
        return fd;

    char buf[PATH_MAX];
    size_t len = strlen(path);
    if (len >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, len + 1);

    /* Walk the components. `dir` is always the resolved (in-root) parent of the next one, so a
     * missing component is created exactly where resolving the full prefix would look for it,
     * even when an earlier component is a symlink. mkdirat/openat(O_NOFOLLOW) on a single name
     * never follow a symlink themselves. */
    int dir = pp_open_in_root(rootfd, "/", O_DIRECTORY);
    if (dir < 0)
        return -1;
    size_t i = 0;
    for (;;) {
        while (buf[i] == '/')
            i++;
        if (buf[i] == '\0')
            return dir;
        size_t start = i;
        while (buf[i] != '\0' && buf[i] != '/')
            i++;
        char saved = buf[i];
        size_t rest = i;
        while (buf[rest] == '/')
            rest++;
        int last = buf[rest] == '\0';
        buf[i] = '\0';

        int next = pp_open_in_root(rootfd, buf, 0);
        if (next < 0 && errno == ENOENT) {
            const char *name = buf + start;
            int r;
            if (last && last_is_file) {
                r = openat(dir, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (r >= 0)
                    close(r);
            } else {
                r = mkdirat(dir, name, 0755);
            }
            if (r < 0 && errno != EEXIST) {
                pp_closep(&dir);
                return -1;
            }
            next = pp_open_in_root(rootfd, buf, 0);
        }
        pp_closep(&dir);
        if (next < 0)
            return -1;
        dir = next;
        buf[i] = saved;
    }
}

/* Flags a read-only remount must repeat: MS_REMOUNT replaces the per-mount flags, and dropping
 * nosuid/nodev/noexec that the source had is refused (EPERM) when they are locked, and would
 * silently weaken the mount when they are not. */
static unsigned long pp_kept_flags(int fd)
{
    struct statfs sfs;
    if (fstatfs(fd, &sfs) < 0)
        return 0;
    unsigned long keep = ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_SYNCHRONOUS | ST_MANDLOCK |
                         ST_NOATIME | ST_NODIRATIME | ST_RELATIME;
    /* ST_* and MS_* share values for these flags. */
    return (unsigned long)sfs.f_flags & keep;
}

/* Make the mount at `path` (in root) read-only. Must reopen the path: an fd taken before a bind
 * still points at the mount underneath. */
static int pp_remount_readonly(int rootfd, const char *path, int recursive)
{
    PP_AUTOCLOSE int fd = pp_open_in_root(rootfd, path, 0);
    if (fd < 0)
        return -1;
    if (recursive) {
        /* A plain remount only changes the top mount; mount_setattr (5.12+) covers submounts of
         * a recursive bind too. */
        struct mount_attr attr;
        memset(&attr, 0, sizeof attr);
        attr.attr_set = MOUNT_ATTR_RDONLY;
        if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) == 0)
            return 0;
        if (errno != ENOSYS)
            return -1;
    }
    char p[32];
    return mount(NULL, pp_fd_path(p, fd), NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | pp_kept_flags(fd), NULL);
}

int pp_prepare_rootfs(struct pp_ctx *c, const struct pp_launch *l, int *rootfd)
{
    /* The new mount namespace starts as a copy of the host's with the same propagation. Were
     * "/" shared, the overlay and every mount below would propagate back into the host, and
     * pivot_root refuses a new root whose parent is shared. Private, recursively, cuts both
     * directions before anything is mounted. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return pp_fail(c, PP_STEP_MAKE_PRIVATE, -1, "/");
    /* The overlay exists only in this mount namespace: when the last process of the container
     * dies the namespace goes, and the mount with it. Nothing to clean up on the host. */
    if (mount("overlay", l->merged_dir, "overlay", 0, l->overlay_data) < 0)
        return pp_fail(c, PP_STEP_MOUNT_ROOTFS, -1, l->merged_dir);
    *rootfd = open(l->merged_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (*rootfd < 0)
        return pp_fail(c, PP_STEP_MOUNT_ROOTFS, -1, l->merged_dir);
    return 0;
}

static int pp_mount_one(struct pp_ctx *c, const struct pp_launch *l, int i, int rootfd)
{
    const struct pp_mount *m = &l->mounts[i];
    PP_AUTOCLOSE int target = pp_mkdir_in_root(rootfd, m->target, m->target_is_file);
    if (target < 0)
        return pp_fail(c, PP_STEP_MOUNT_TARGET, i, m->target);
    char tpath[32];
    pp_fd_path(tpath, target);

    if (m->kind == PP_MOUNT_TMPFS) {
        unsigned long flags = MS_NOSUID | MS_NODEV | (m->read_only ? MS_RDONLY : 0);
        if (mount("tmpfs", tpath, "tmpfs", flags, m->data) < 0)
            return pp_fail(c, PP_STEP_MOUNT, i, m->target);
        return 0;
    }

    if (l->ns_user != NULL) {
        /* The intermediate made a detached copy of the source as root of the host (userns.c),
         * read-only and id-mapped as asked: this process, root of the pod's user namespace
         * only, attaches it, and needs no right to the host's path. */
        int tree = l->tree_fds[l->layer_count + (size_t)i];
        if (syscall(SYS_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            return pp_fail(c, PP_STEP_MOUNT, i, m->target);
        return 0;
    }

    /* The source is a host path (we are still below the host's root). */
    PP_AUTOCLOSE int source = open(m->source, O_PATH | O_CLOEXEC);
    if (source < 0)
        return pp_fail(c, PP_STEP_MOUNT_SOURCE, i, m->source);
    char spath[32];
    if (mount(pp_fd_path(spath, source), tpath, NULL, MS_BIND | (m->recursive ? MS_REC : 0), NULL) < 0)
        return pp_fail(c, PP_STEP_MOUNT, i, m->target);
    /* MS_RDONLY is ignored on the bind itself; read-only takes a second, remount step. */
    if (m->read_only && pp_remount_readonly(rootfd, m->target, m->recursive) < 0)
        return pp_fail(c, PP_STEP_MOUNT_READONLY, i, m->target);
    return 0;
}

int pp_mount_specs(struct pp_ctx *c, const struct pp_launch *l, int rootfd)
{
    for (size_t i = 0; i < l->mount_count; i++)
        if (pp_mount_one(c, l, (int)i, rootfd) < 0)
            return -1;
    return 0;
}

int pp_protect_paths(struct pp_ctx *c, const struct pp_launch *l, int rootfd)
{
    /* Masked paths come after the caller's mounts so that a volume cannot unmask them. */
    for (size_t i = 0; i < l->masked_count; i++) {
        const char *p = l->masked_paths[i];
        PP_AUTOCLOSE int fd = pp_open_in_root(rootfd, p, 0);
        if (fd < 0) {
            if (errno == ENOENT)
                continue;  /* nothing to hide (e.g. /proc/timer_stats on newer kernels) */
            return pp_fail(c, PP_STEP_MASK_PATH, -1, p);
        }
        struct stat st;
        if (fstat(fd, &st) < 0)
            return pp_fail(c, PP_STEP_MASK_PATH, -1, p);
        char tpath[32];
        pp_fd_path(tpath, fd);
        if (S_ISDIR(st.st_mode)) {
            /* An empty read-only tmpfs hides a directory's entries. */
            if (mount("tmpfs", tpath, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                return pp_fail(c, PP_STEP_MASK_PATH, -1, p);
        } else {
            /* The container's own /dev/null over a file: reads give nothing, writes vanish. */
            PP_AUTOCLOSE int null = pp_open_in_root(rootfd, "/dev/null", 0);
            char npath[32];
            if (null < 0 || mount(pp_fd_path(npath, null), tpath, NULL, MS_BIND, NULL) < 0)
                return pp_fail(c, PP_STEP_MASK_PATH, -1, p);
        }
    }
    for (size_t i = 0; i < l->readonly_count; i++) {
        const char *p = l->readonly_paths[i];
        PP_AUTOCLOSE int fd = pp_open_in_root(rootfd, p, 0);
        if (fd < 0) {
            if (errno == ENOENT)
                continue;
            return pp_fail(c, PP_STEP_READONLY_PATH, -1, p);
        }
        char tpath[32];
        pp_fd_path(tpath, fd);
        /* Bind the path onto itself to get a mount of its own, then make that mount read-only. */
        if (mount(tpath, tpath, NULL, MS_BIND | MS_REC, NULL) < 0 ||
            pp_remount_readonly(rootfd, p, 1) < 0)
            return pp_fail(c, PP_STEP_READONLY_PATH, -1, p);
    }
    return 0;
}

int pp_finish_rootfs(struct pp_ctx *c, const struct pp_launch *l, int rootfd)
{
    /* The working dir is created (as runc does) before the root may become read-only. */
    PP_AUTOCLOSE int wd = pp_mkdir_in_root(rootfd, l->process.working_dir, 0);
    if (wd < 0)
        return pp_fail(c, PP_STEP_WORKDIR, -1, l->process.working_dir);
    /* Last of all mounts: the mount points above had to be created in a writable root. Only
     * the root mount becomes read-only; volumes keep their own mode. */
    if (l->rootfs_read_only && pp_remount_readonly(rootfd, "/", 0) < 0)
        return pp_fail(c, PP_STEP_ROOTFS_READONLY, -1, l->merged_dir);
    return 0;
}

int pp_pivot_root(struct pp_ctx *c, int rootfd, const char *merged_dir)
{
    /* By its path, which reaches whatever was mounted there last; in a user namespace by the
     * root's descriptor (rootfd >= 0): the path leads through the host's directories, which the
     * process may no longer search. */
    PP_AUTOCLOSE int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    PP_AUTOCLOSE int newroot = rootfd >= 0 ? -1 : open(merged_dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (oldroot < 0 || (rootfd < 0 && newroot < 0) || fchdir(rootfd >= 0 ? rootfd : newroot) < 0)
        return pp_fail(c, PP_STEP_PIVOT_ROOT, -1, merged_dir);
    /* pivot_root(".", "."): with new_root == put_old the old root is stacked on top of the new
     * one at "/", so the image needs no put_old directory (runc's approach; pivot_root(2)). Unlike
     * chroot, the host's tree really leaves this mount namespace, so there is nothing to escape
     * back into with "..". */
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return pp_fail(c, PP_STEP_PIVOT_ROOT, -1, merged_dir);
    /* We stand in the old root (the top of the stack at "/"). Make it a slave so the unmount
     * below cannot propagate to any peer, then detach it lazily: the host's mounts under it are
     * busy (open files, other processes) and a plain umount would fail with EBUSY; MNT_DETACH
     * removes it from our tree now and lets the kernel drop it when unused. */
    if (fchdir(oldroot) < 0 ||
        mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 ||
        umount2(".", MNT_DETACH) < 0)
        return pp_fail(c, PP_STEP_DETACH_OLD_ROOT, -1, "/");
    if (chdir("/") < 0)
        return pp_fail(c, PP_STEP_PIVOT_ROOT, -1, "/");
    return 0;
}

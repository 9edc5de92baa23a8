/*
 * devices.c: the kernel filesystems every container expects: a fresh /proc, a read-only /sys,
 * and a minimal /dev (the OCI default device set, devpts, shm, mqueue and the fd links).
 *
 * /dev is a private tmpfs rather than a bind of the host's /dev so the container sees only the
 * handful of harmless nodes listed here, never the host's disks.
 */
#include "internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

/* Create `path` inside the root and mount a filesystem there. */
static int pp_mount_fs(struct pp_ctx *c, int rootfd, const char *path, const char *source,
                       const char *type, unsigned long flags, const char *data, int step)
{
    PP_AUTOCLOSE int fd = pp_mkdir_in_root(rootfd, path, 0);
    if (fd < 0)
        return pp_fail(c, step, -1, path);
    char p[32];
    if (mount(source, pp_fd_path(p, fd), type, flags, data) < 0)
        return pp_fail(c, step, -1, path);
    return 0;
}

static const struct {
    const char *name;
    unsigned major, minor;
} pp_devices[] = {
    {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7},
    {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

static const struct {
    const char *name;
    const char *target;
} pp_dev_links[] = {
    {"fd", "/proc/self/fd"},
    {"stdin", "/proc/self/fd/0"},
    {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"},
    {"ptmx", "pts/ptmx"},  /* the ptmx of our own devpts instance, not the host's */
};

/* Make the node `name` in dirfd; `host` is the host's node of the same device. Without
 * CAP_MKNOD (a user namespace) the host's node is bound there instead, as rootless runtimes and
 * runc in a user namespace do. Returns 1 when it was made by mknod, 0 when bound, -1 on failure. */
static int pp_make_node(struct pp_ctx *c, int dirfd, const char *name, const char *host, mode_t mode, dev_t dev)
{
    if (mknodat(dirfd, name, mode, dev) == 0)
        return 1;
    if (errno != EPERM)
        return pp_fail(c, PP_STEP_CREATE_DEVICE, -1, host);
    int fd = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666);
    if (fd < 0)
        return pp_fail(c, PP_STEP_CREATE_DEVICE, -1, host);
    close(fd);
    PP_AUTOCLOSE int node = openat(dirfd, name, O_PATH | O_CLOEXEC | O_NOFOLLOW);
    char p[32];
    if (node < 0 || mount(host, pp_fd_path(p, node), NULL, MS_BIND, NULL) < 0)
        return pp_fail(c, PP_STEP_CREATE_DEVICE, -1, host);
    return 0;
}

static int pp_make_device(struct pp_ctx *c, int devfd, const char *name, unsigned major, unsigned minor)
{
    char path[64];
    pp_join(path, sizeof path, "/dev/", name);
    return pp_make_node(c, devfd, name, path, S_IFCHR | 0666, makedev(major, minor)) < 0 ? -1 : 0;
}

int pp_mount_kernel_fs(struct pp_ctx *c, const struct pp_launch *l, int rootfd)
{
    /* A fresh proc, mounted from inside the new PID namespace, shows only the container's
     * processes (a proc mount belongs to the PID namespace of the process that mounts it). */
    if (pp_mount_fs(c, rootfd, "/proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
                    PP_STEP_MOUNT_PROC) < 0)
        return -1;
    int privileged = l->kernel_fs == PP_KERNEL_FS_PRIVILEGED;

    /* sysfs after joining the pod's net namespace, so /sys/class/net lists the pod's devices.
     * Read-only: nothing in a container should tune the host's kernel objects; a privileged
     * container gets it writable, as the kubelet's runtimes give it. */
    if (pp_mount_fs(c, rootfd, "/sys", "sysfs", "sysfs",
                    (privileged ? 0 : MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, PP_STEP_MOUNT_SYS) < 0)
        return -1;
    /* strictatime as runc does; no nodev of course, and no noexec (some programs mmap
     * /dev/zero with PROT_EXEC). */
    if (pp_mount_fs(c, rootfd, "/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME,
                    "mode=755,size=65536k", PP_STEP_MOUNT_DEV) < 0)
        return -1;
    /* A privileged container sees the host's devices: nodes made here with the host's numbers,
     * owners and modes (the caller listed them), in the container's own /dev, so that nothing
     * the container does to its /dev reaches the host's. */
    for (size_t i = 0; privileged && i < l->device_count; i++) {
        const struct pp_device *d = &l->devices[i];
        PP_AUTOCLOSE int dir = pp_mkdir_in_root(rootfd, d->dir, 0);
        if (dir < 0)
            return pp_fail(c, PP_STEP_CREATE_DEVICE, -1, d->dir);
        /* The host's node has the same path: the list is the host's /dev. */
        char p[32], dir_slash[256], host[256];
        PP_AUTOCLOSE int dirfd = open(pp_fd_path(p, dir), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (dirfd < 0 || pp_join(dir_slash, sizeof dir_slash, d->dir, "/") < 0 ||
            pp_join(host, sizeof host, dir_slash, d->name) < 0)
            return pp_fail(c, PP_STEP_CREATE_DEVICE, -1, d->name);
        /* A bound node keeps the host's owner, which is the point of the chown. */
        int made = pp_make_node(c, dirfd, d->name, host, d->mode, makedev(d->major, d->minor));
        if (made < 0)
            return -1;
        if (made && fchownat(dirfd, d->name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
            return pp_fail(c, PP_STEP_CREATE_DEVICE, -1, d->name);
    }

    PP_AUTOCLOSE int devfd = pp_open_in_root(rootfd, "/dev", O_DIRECTORY);
    if (devfd < 0)
        return pp_fail(c, PP_STEP_MOUNT_DEV, -1, "/dev");
    for (size_t i = 0; i < sizeof pp_devices / sizeof pp_devices[0]; i++) {
        /* The host's own node of the same name came first. */
        if (privileged && faccessat(devfd, pp_devices[i].name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
            continue;
        if (pp_make_device(c, devfd, pp_devices[i].name, pp_devices[i].major, pp_devices[i].minor) < 0)
            return -1;
    }

    /* newinstance: a devpts of our own, so the container cannot reach the host's terminals
     * through /dev/pts and ptys it opens are numbered from 0. gid 5 is "tty" by convention. */
    if (pp_mount_fs(c, rootfd, "/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
                    "newinstance,ptmxmode=0666,mode=0620,gid=5", PP_STEP_MOUNT_DEVPTS) < 0)
        return -1;
    /* When the pod gives a /dev/shm (its shared tmpfs), the caller passes it as an ordinary
     * mount later; otherwise the container gets a private one of the Kubernetes default size. */
    if (l->default_shm &&
        pp_mount_fs(c, rootfd, "/dev/shm", "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                    "mode=1777,size=65536k", PP_STEP_MOUNT_SHM) < 0)
        return -1;
    /* The mqueue filesystem shows the queues of the IPC namespace of the mounter, here the
     * pod's, so containers of one pod see each other's POSIX queues. */
    if (pp_mount_fs(c, rootfd, "/dev/mqueue", "mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                    NULL, PP_STEP_MOUNT_MQUEUE) < 0)
        return -1;

    for (size_t i = 0; i < sizeof pp_dev_links / sizeof pp_dev_links[0]; i++) {
        /* A privileged container's ptmx is the host's node, not a link. */
        if (symlinkat(pp_dev_links[i].target, devfd, pp_dev_links[i].name) < 0 && !(privileged && errno == EEXIST)) {
            char path[64];
            pp_join(path, sizeof path, "/dev/", pp_dev_links[i].name);
            return pp_fail(c, PP_STEP_DEV_SYMLINK, -1, path);
        }
    }
    return 0;
}

/*
 * peapod.h: the one public header of the C shim.
 *
 * Everything that runs between clone() and execve() lives in CPeapod, because the Swift runtime
 * takes locks and allocates and so must never run in a forked-but-not-exec'd child. The Swift
 * side (PeapodLinux/Launch) lays out every string and array before calling in; the child only
 * reads this memory (it is a copy-on-write copy of the caller's) and never allocates.
 *
 * Failures in the child come back as one fixed-size `struct pp_error` over a close-on-exec pipe:
 * (step, errno, index, path). End-of-file on that pipe at execve() means success.
 */
#ifndef PEAPOD_H
#define PEAPOD_H

#include <stddef.h>
#include <stdint.h>
#include "pp_net.h"
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The step that failed. Values are stable: the Swift `LaunchStep` enum mirrors them and gives
 * each a human phrase. Keep this list in the order the steps run.
 */
enum pp_step {
    PP_STEP_NONE = 0,
    /* In the caller, before or at clone(). */
    PP_STEP_PIPE = 1,
    PP_STEP_CLONE = 2,
    PP_STEP_OPEN_NAMESPACE = 3,     /* path = the namespace file */
    /* Limits: the very first steps of the new process. */
    PP_STEP_JOIN_CGROUP = 5,        /* index = cgroup; path = the file joined (tasks) */
    PP_STEP_OOM_SCORE_ADJ = 6,      /* path = /proc/self/oom_score_adj */
    /* Namespaces (the child, or the intermediate process for a shared PID namespace). */
    PP_STEP_JOIN_PID = 10,
    PP_STEP_JOIN_NET = 11,
    PP_STEP_JOIN_IPC = 12,
    PP_STEP_JOIN_UTS = 13,
    PP_STEP_JOIN_MNT = 14,
    PP_STEP_JOIN_USER = 15,         /* path = the pin of the pod's user namespace */
    PP_STEP_NAMESPACE_ROOT = 16,    /* becoming uid and gid 0 of the pod's user namespace */
    /* Root filesystem. */
    PP_STEP_MAKE_PRIVATE = 20,
    PP_STEP_MOUNT_ROOTFS = 21,      /* path = merged dir */
    PP_STEP_MOUNT_PROC = 22,
    PP_STEP_MOUNT_SYS = 23,
    PP_STEP_MOUNT_DEV = 24,
    PP_STEP_CREATE_DEVICE = 25,     /* path = /dev/NAME */
    PP_STEP_MOUNT_DEVPTS = 26,
    PP_STEP_MOUNT_SHM = 27,
    PP_STEP_MOUNT_MQUEUE = 28,
    PP_STEP_DEV_SYMLINK = 29,       /* path = /dev/NAME */
    PP_STEP_MOUNT_TARGET = 30,      /* index = mount; creating or resolving the target failed */
    PP_STEP_MOUNT_SOURCE = 31,      /* index = mount; path = host source */
    PP_STEP_MOUNT = 32,             /* index = mount */
    PP_STEP_MOUNT_READONLY = 33,    /* index = mount */
    PP_STEP_MASK_PATH = 34,         /* path = the masked path */
    PP_STEP_READONLY_PATH = 35,     /* path = the read-only path */
    PP_STEP_WORKDIR = 36,           /* path = working dir (creating it) */
    PP_STEP_ROOTFS_READONLY = 37,
    PP_STEP_PIVOT_ROOT = 38,        /* path = merged dir */
    PP_STEP_DETACH_OLD_ROOT = 39,
    PP_STEP_ID_MAPPED_MOUNT = 40,   /* index = mount, or -1 for an image layer; path = host source */
    PP_STEP_MOUNT_LAYER = 41,       /* path = the image layer */
    /* Process setup just before exec. */
    PP_STEP_CHDIR = 50,             /* path = working dir */
    PP_STEP_STDIO = 51,
    PP_STEP_CLOSE_FDS = 52,
    PP_STEP_SETGROUPS = 53,
    PP_STEP_SETGID = 54,
    PP_STEP_SETUID = 55,
    PP_STEP_EXEC = 56,              /* path = argv[0] */
    PP_STEP_WORKDIR_OUTSIDE = 57,   /* path = working dir: it resolves outside the root */
    PP_STEP_RLIMIT = 58,            /* index = the resource */
    PP_STEP_CAP_BOUNDING = 59,      /* index = the capability dropped */
    PP_STEP_KEEPCAPS = 60,
    PP_STEP_CAPSET = 61,
    PP_STEP_CAP_AMBIENT = 62,       /* index = the capability raised */
    PP_STEP_NO_NEW_PRIVS = 63,
    PP_STEP_SECCOMP = 64,
    PP_STEP_DUMPABLE = 65,
    PP_STEP_CONTROLLING_TTY = 66,   /* setsid and TIOCSCTTY on the container's terminal */
    /* Pod sandbox helper. */
    PP_STEP_UNSHARE = 70,
    PP_STEP_SETHOSTNAME = 71,
    PP_STEP_LOOPBACK = 72,
    PP_STEP_PIN_NAMESPACE = 73,     /* path = the pin file */
    PP_STEP_MOUNT_POD_SHM = 74,     /* path = the shm dir */
    PP_STEP_HELPER_DIED = 75,       /* the helper exited without reporting */
    PP_STEP_SYSCTL = 76,            /* path = the /proc/sys file */
    PP_STEP_ID_MAP = 77,            /* path = /proc/PID/uid_map or gid_map */
    /* A copy into or out of a container (copy.c). */
    PP_STEP_COPY_SOURCE = 80,       /* path = the source, resolved in the container's root */
    PP_STEP_COPY_DESTINATION = 81,  /* path = the destination directory */
    PP_STEP_COPY_WRITE = 82,        /* path = the entry being written */
    PP_STEP_COPY_READ = 83,         /* path = the entry being read */
    PP_STEP_COPY_STREAM = 84,       /* the stream from the other side is malformed or broken */
    /* The pod's interface on the default network, made by the sandbox helper (network.c). */
    PP_STEP_NET_BRIDGE = 85,        /* path = the bridge (pp_net.h) */
    PP_STEP_NET_VETH = 86,          /* path = the host end of the pod's veth pair */
    PP_STEP_NET_ADDRESS = 87,       /* path = the pod's interface */
    PP_STEP_NET_ROUTE = 88,         /* path = the pod's interface */
    /* Not failures: notes the child sends before going on (see pp_spawn). */
    PP_NOTICE_OOM_SCORE_CLAMPED = 100, /* err = EACCES; index = the oom_score_adj applied */
};

/* What the child reports on failure. Fixed size so one write() and one read() carry it. */
struct pp_error {
    int32_t step;       /* enum pp_step */
    int32_t err;        /* errno at the failing call */
    int32_t index;      /* mount index for PP_STEP_MOUNT*, otherwise -1 */
    char path[512];     /* the path involved, NUL-terminated, possibly truncated */
};

enum pp_mount_kind {
    PP_MOUNT_BIND = 0,
    PP_MOUNT_TMPFS = 1,
};

/* One MountSpec, flattened. */
struct pp_mount {
    int32_t kind;           /* enum pp_mount_kind */
    int32_t recursive;      /* bind: MS_REC */
    int32_t read_only;
    int32_t target_is_file; /* create the target as an empty file rather than a directory */
    /* bind, in a container with its own user namespace: through a mount id-mapped to it, so that
     * the host's ids show as the pod's (host uid 0 as the container's root); otherwise the host's
     * ids show through the namespace's own map. Ignored without a user namespace. */
    int32_t id_mapped;
    const char *source;     /* bind: host path; tmpfs: unused */
    const char *target;     /* absolute path inside the container */
    const char *data;       /* tmpfs: mount data such as "mode=1777,size=65536k"; may be NULL */
};

/*
 * A cgroup the new process moves itself into, first of all, by writing "0" (itself) to its
 * v1 `tasks` file (or v2 cgroup.procs where CLONE_INTO_CGROUP is missing): the way of making sure
 * that no instruction of the container runs outside its limits. The process is single-threaded
 * at that point, so moving its one thread moves all of it, without the global lock a
 * cgroup.procs write takes. `fd` is open for writing in the caller.
 */
struct pp_cgroup_procs {
    int32_t fd;
    const char *path;       /* for the error report only */
};

/* A process's capability sets, bit n for capability n (<linux/capability.h>). */
struct pp_capabilities {
    uint64_t bounding;
    uint64_t effective;
    uint64_t permitted;
    uint64_t inheritable;
    uint64_t ambient;
};

/* One setrlimit(2). */
struct pp_rlimit {
    int32_t resource;
    uint64_t soft;
    uint64_t hard;
};

/*
 * The one description of a process that runs inside a container: the container's own process,
 * `peapod exec`, exec probes and exec hooks all start from it and are confined by the same code
 * (confine.c), in the same order. See ProcessSpec in Launch/ProcessSpec.swift.
 */
struct pp_process {
    /* NULL-terminated; argv[0] is searched in the PATH of envp when it has no slash. */
    char *const *argv;
    char *const *envp;
    const char *working_dir;
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    size_t group_count;
    struct pp_capabilities caps;
    /* prctl(PR_SET_NO_NEW_PRIVS): allowPrivilegeEscalation: false. */
    int32_t no_new_privs;
    /* A compiled seccomp program (struct sock_filter[count]), or NULL for none, and the
     * seccomp(2) flags it is loaded with (pp_seccomp.h). */
    const void *seccomp_filter;
    uint32_t seccomp_count;
    uint32_t seccomp_flags;
    const struct pp_rlimit *rlimits;
    size_t rlimit_count;
    /* The child's stdin/stdout/stderr, as fds of the caller; -1 means /dev/null. */
    int32_t stdio[3];
    /* A cgroup v2 directory fd to be born in (clone3 CLONE_INTO_CGROUP), or -1. */
    int32_t cgroup_fd;
    /* tasks files to join before anything else (v1 hierarchies). */
    const struct pp_cgroup_procs *cgroup_procs;
    size_t cgroup_procs_count;
    /* With set_oom_score_adj, the process's oom_score_adj. Where lowering it is refused
     * (EACCES: no CAP_SYS_RESOURCE), the lowest value allowed is used instead and reported with
     * a PP_NOTICE_OOM_SCORE_CLAMPED record. */
    int32_t set_oom_score_adj;
    int32_t oom_score_adj;
    /* tty: true: stdin is the slave of a pseudo-terminal the caller allocated; the process makes
     * it the controlling terminal of a new session after stdio is in place. */
    int32_t controlling_tty;
};

/* A device node of the host, made in a privileged container's /dev. */
struct pp_device {
    const char *dir;        /* the directory it goes in, inside the container: "/dev", "/dev/net" */
    const char *name;       /* its name there */
    uint32_t mode;          /* type and permission bits (S_IFCHR or S_IFBLK | 0666) */
    uint32_t major;
    uint32_t minor;
    uid_t uid;
    gid_t gid;
};

/* What the container's kernel filesystems look like (privileged containers see the host's). */
enum pp_kernel_fs {
    PP_KERNEL_FS_CONFINED = 0,      /* read-only /sys, a private /dev with the default nodes */
    PP_KERNEL_FS_PRIVILEGED = 1,    /* read-write /sys, the host's device nodes */
};

/* Everything one container process needs; see ContainerLaunch in LaunchPlan.swift. */
struct pp_launch {
    /* Root filesystem: overlay data is built by the caller (escaped lowerdir/upperdir/workdir). */
    const char *merged_dir;
    const char *overlay_data;
    int32_t rootfs_read_only;
    /* Pinned namespace files to join; NULL means "not joined". ns_pid NULL means a new PID ns,
     * unless host_pid: then the process stays in the caller's (the host's) PID namespace. */
    int32_t host_pid;
    const char *ns_net;
    const char *ns_ipc;
    const char *ns_uts;
    const char *ns_pid;
    /* hostUsers: false: the pin of the pod's user namespace (NULL: the host's). The container's
     * PID and mount namespaces are then made from inside it, so that they belong to it, by an
     * intermediate process that first mounts the overlay as root of the host, on `layers`
     * (the lower dirs of overlay_data, unescaped) id-mapped to the pod. `tree_fds` has room for
     * layer_count + mount_count descriptors, which that process fills with the detached copies
     * (open_tree) of the layers and of the bind sources the container then attaches. */
    const char *ns_user;
    const char *const *layers;
    size_t layer_count;
    int32_t *tree_fds;
    /* Mount a private tmpfs at /dev/shm (set when no mount targets /dev/shm). */
    int32_t default_shm;
    const struct pp_mount *mounts;
    size_t mount_count;
    const char *const *masked_paths;
    size_t masked_count;
    const char *const *readonly_paths;
    size_t readonly_count;
    int32_t kernel_fs;      /* enum pp_kernel_fs */
    /* PP_KERNEL_FS_PRIVILEGED: the host's devices, made in the container's own /dev. */
    const struct pp_device *devices;
    size_t device_count;
    struct pp_process process;
};

/*
 * Start a container process. Returns its pid in the caller's PID namespace (a direct child of the
 * caller, to be reaped with waitpid), or -1 with *err filled in. The child is already reaped
 * when -1 is returned. On success *err is zero, or holds the last notice the child sent
 * (PP_NOTICE_*).
 */
pid_t pp_spawn(const struct pp_launch *launch, struct pp_error *err);

/* A process to start inside the namespaces of a running container process. */
struct pp_exec {
    pid_t target_pid;
    struct pp_process process;
    /* Optional: open descriptors of the target's namespaces, PP_EXEC_NAMESPACES of them in the
     * order user, ipc, uts, net, pid, mnt, for a caller that execs into one process again and
     * again (probes); -1 for the user namespace when the target is in the caller's own. NULL:
     * pp_exec opens /proc/<target_pid>/ns/... itself. */
    const int32_t *ns_fds;
};

#define PP_EXEC_NAMESPACES 6

/*
 * Start a process in the user (when it is not the caller's), ipc, uts, net, pid and mount
 * namespaces of `target_pid`, the user namespace first. Returns the
 * pid (caller's namespace) of the process that runs argv itself, a direct child of the caller,
 * so its wait status is the command's own. -1 with *err on failure; notices as for pp_spawn.
 */
pid_t pp_exec(const struct pp_exec *exec, struct pp_error *err);

/* A pod sandbox: its namespaces pinned by bind mounts onto files in one tmpfs of its own, which
 * also holds the pod's /dev/shm; unmounting that tmpfs lets go of everything at once. */
struct pp_sandbox {
    const char *hostname;
    const char *dir;        /* existing empty directory where the sandbox's tmpfs is mounted */
    const char *dir_data;   /* its mount options, e.g. "mode=0755,size=67108864" */
    const char *pin_net;    /* files made in it, with the namespaces bound onto them */
    const char *pin_ipc;
    const char *pin_uts;
    const char *shm_dir;    /* directory made in it with mode 1777: the pod's /dev/shm */
    /* hostUsers: false: a user namespace is made first and owns the others; its pin, and its
     * uid and gid map ("0 HOSTBASE COUNT\n"), written by the helper. NULL: the host's. */
    const char *pin_user;
    const char *id_map;
    /* hostNetwork: the pins hold the host's network and UTS namespaces (no hostname is set, no
     * loopback brought up); hostIPC: the host's IPC namespace. */
    int32_t host_net;
    int32_t host_ipc;
    /* The pod's sysctls: files under /proc/sys of the new namespaces and their values, written
     * by the helper from inside them. */
    const char *const *sysctl_paths;
    const char *const *sysctl_values;
    size_t sysctl_count;
    /* The pod's eth0 on the default network (pp_net.h), or NULL: loopback only. */
    const struct pp_pod_net *net;
};

/* Mount the sandbox's tmpfs, create and pin the namespaces, make the pod shm. 0, or -1 with *err. Partial work
 * is not undone here: the caller cleans up by paths. */
int pp_sandbox_create(const struct pp_sandbox *sandbox, struct pp_error *err);

/* pp_sandbox_create in two halves, so the caller can work while the namespaces are made:
 * start returns the helper's pid and the read end of its report pipe in *report_fd (or -1 with
 * *err); finish waits for the report, reaps the helper and closes the pipe (0, or -1 with *err).
 * Every started helper must be finished. */
pid_t pp_sandbox_start(const struct pp_sandbox *sandbox, int *report_fd, struct pp_error *err);
int pp_sandbox_finish(pid_t pid, int report_fd, struct pp_error *err);

/*
 * Start a pause-like init for a shared PID namespace: pid 1 of a new PID namespace that reaps
 * orphans and exits on SIGTERM/SIGINT. With `user_pin` (a pod's user namespace), the PID
 * namespace is made from inside that namespace and belongs to it. Returns its pid (caller's
 * namespace), a child of the caller, or -1 with *err. Its namespace is /proc/<pid>/ns/pid.
 */
pid_t pp_pause_spawn(const char *user_pin, struct pp_error *err);

/*
 * Network probes (probe.c): the kubelet's tcpSocket and httpGet probes of the pod's own
 * 127.0.0.1, made from a short-lived child inside the pod's network namespace so that the
 * caller never blocks on the peer.
 */

/* How far a probe child got: its exit code. */
enum pp_probe_result {
    PP_PROBE_OK = 0,                /* connected; with a request, the response is in out_fd */
    PP_PROBE_CONNECT_FAILED = 1,    /* connect() to 127.0.0.1:port failed */
    PP_PROBE_SEND_FAILED = 2,       /* sending the request failed */
    PP_PROBE_SETUP_FAILED = 3,      /* setns, socket, or writing out_fd failed */
    PP_PROBE_RECEIVE_FAILED = 4,    /* reading the response failed */
};

/* The most of a response a probe child reads (status line, headers and body): the kubelet keeps
 * 10 KiB of the body, and this leaves room for the headers before it. */
#define PP_PROBE_RESPONSE_MAX 16384

/*
 * Start a probe child: it joins the network namespace `netns_fd` (an open nsfs file, e.g. the
 * pod's pinned ns/net), connects to 127.0.0.1:port and, when request_len > 0, sends the request
 * bytes and reads the response until the response is complete (Content-Length or chunked
 * framing), the server closes, or PP_PROBE_RESPONSE_MAX bytes have arrived. It then writes what it
 * read to out_fd (at the fd's current offset) and exits with PP_PROBE_OK. On failure it writes two
 * int32_t instead, errno and the local port of its socket (0 when it had not connected), and
 * exits with the failing step's enum pp_probe_result.
 *
 * There is no timeout: the caller SIGKILLs the child when the probe's time is up. The child also
 * dies with the calling thread (PR_SET_PDEATHSIG). Returns the pid of the child, a direct child
 * of the caller to be reaped with waitpid, or -1 with *err (PP_STEP_CLONE) when none was started.
 * The request is copied into the child, so the caller may free it on return.
 */
pid_t pp_probe_connect(int netns_fd, uint16_t port, const void *request, size_t request_len, int out_fd,
                       struct pp_error *err);

/*
 * `peapod cp` (copy.c): a child that enters a container's mount namespace and takes the
 * container's confinement, then sends the tree at a path (PP_COPY_OUT) or writes the tree it
 * receives beneath a path (PP_COPY_IN), in frames over a socket. Both directions use the same
 * frames: a header, the entry's path relative to the copy's root ("" is the root itself, no
 * "." or ".." component, never absolute), then data_length bytes of data.
 */
enum pp_copy_direction {
    PP_COPY_OUT = 0,
    PP_COPY_IN = 1,
};

enum pp_copy_type {
    PP_COPY_DIR = 1,        /* a directory; mode */
    PP_COPY_FILE = 2,       /* a regular file; mode; its data follows in PP_COPY_DATA frames */
    PP_COPY_DATA = 3,       /* data of the open file (no path), at most PP_COPY_CHUNK bytes */
    PP_COPY_FILE_END = 4,   /* the end of the open file; err: a read error that cut it short */
    PP_COPY_SYMLINK = 5,    /* a symlink; data: its target */
    PP_COPY_SKIPPED = 6,    /* an entry not copied; err: why (0: a device node, FIFO or socket) */
    PP_COPY_ERROR = 7,      /* the copy failed: mode = enum pp_step, err = errno, path = the path */
    PP_COPY_DONE = 8,       /* the end; err = the number of entries skipped */
};

struct pp_copy_header {
    uint32_t type;          /* enum pp_copy_type */
    uint32_t mode;          /* st_mode of the entry */
    uint32_t path_length;   /* bytes of path after the header, less than PP_COPY_PATH_MAX */
    uint32_t data_length;   /* bytes of data after the path */
    int32_t err;
    uint32_t reserved;
};

#define PP_COPY_CHUNK 65536
#define PP_COPY_PATH_MAX 4096

struct pp_copy {
    /* Descriptors of the target's namespaces: the pod's user namespace (-1: the caller's) and
     * the container's mount namespace. */
    int32_t user_ns_fd;
    int32_t mnt_ns_fd;
    /* The container's process description (argv, envp, working_dir and stdio are unused). */
    struct pp_process process;
    /* The child's end of a stream socket pair. */
    int32_t socket;
    int32_t direction;      /* enum pp_copy_direction */
    /* The path inside the container: the source, or the destination. */
    const char *path;
    /* PP_COPY_IN: the name the copy takes when `path` is an existing directory. */
    const char *source_name;
};

/*
 * Start the copy child. Returns its pid (a child of the caller, to be reaped; it exits 0 when
 * every entry was copied, 1 otherwise, and dies with the calling thread), or -1 with *err. A
 * failure inside the child arrives as a PP_COPY_ERROR frame on the socket.
 */
pid_t pp_copy_start(const struct pp_copy *copy, struct pp_error *err);

/*
 * A socket of the network namespace `netns_fd` (port-forward: one per forwarded connection),
 * made by a short-lived thread that joins the namespace, so the caller's own threads never
 * change namespace. Returns the descriptor (close-on-exec), or -1 with errno.
 */
int pp_netns_socket(int netns_fd, int domain, int type);

#ifdef __cplusplus
}
#endif

#endif /* PEAPOD_H */

/*
 * internal.h: helpers shared by the shim's C files, not part of the Swift-visible API.
 *
 * Convention for every function that runs in a child: return 0 on success; on failure call
 * pp_fail(), which records (step, errno, index, path) in the context and returns -1. The
 * sequence in spawn.c then hands the record to pp_die(), which writes it to the error pipe and
 * exits. Nothing here allocates: paths are formatted into fixed stack buffers.
 */
#ifndef PEAPOD_INTERNAL_H
#define PEAPOD_INTERNAL_H

#include "peapod.h"

#include <errno.h>
#include <unistd.h>

/* The state of one child between clone() and execve(). */
struct pp_ctx {
    int errfd;              /* write end of the CLOEXEC error pipe */
    struct pp_error err;    /* the first failure, reported by pp_die() */
};

/* Close an fd when the variable goes out of scope: `PP_AUTOCLOSE int fd = ...;` */
static inline void pp_closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;  /* a cleanup must not clobber the errno being reported */
        close(*fd);
        errno = saved;
    }
}
#define PP_AUTOCLOSE __attribute__((cleanup(pp_closep)))

/* network.c: the index of the pod network's bridge, looked up while still in the host's
 * namespace (or -1, recorded); then the pod's veth pair (made through `host_fd`, a socket of the
 * host's namespace), address and default route, once its namespace is pinned at `pin_net`. */
int pp_pod_network_bridge(struct pp_ctx *c, const struct pp_pod_net *n);
int pp_pod_network_setup(struct pp_ctx *c, int host_fd, int bridge, const struct pp_pod_net *n, const char *pin_net);

/* Record a failure with the current errno; always returns -1. */
int pp_fail(struct pp_ctx *c, int step, int index, const char *path);
/* Write the recorded failure to the error pipe and _exit(). */
__attribute__((noreturn)) void pp_die(struct pp_ctx *c);
/* Fork-like clone (no new stack); with cgroup_fd >= 0 the child is born in that cgroup. */
pid_t pp_clone(unsigned long flags, int cgroup_fd);
/* pp_clone with the given exit signal (0: none, so no waitpid without __WALL sees the child
 * while its parent lives). */
pid_t pp_clone_signal(unsigned long flags, int cgroup_fd, int exit_signal);
/* Closes every descriptor but `keep` (-1: every one), in a child that must let go of what its
 * caller had open. */
void pp_close_all_except(int keep);
/* A child that shares the caller's memory, as posix_spawn makes one: CLONE_VM | CLONE_VFORK, so
 * no page table is copied and the caller sleeps until the child calls execve or exits. The
 * child runs fn(arg) on `stack` (its own) and must only make system calls and touch its own
 * stack and what fn is given, as any vfork child. Returns the child's pid, or -1. */
pid_t pp_clone_vfork(int (*fn)(void *), void *arg, void *stack, size_t stack_size, unsigned long flags);

/* An intermediate process running fn(arg): one sharing the caller's memory (pp_clone_vfork, no
 * flags), or a copy where that is refused (valgrind). Returns its pid, or -1. */
pid_t pp_clone_intermediate(int (*fn)(void *), void *arg, void *stack, size_t stack_size);
/* An intermediate's first step: its failures go to the error pipe, and the parent's ends of
 * both pipes are closed in it. */
void pp_intermediate_begin(struct pp_ctx *c, const int errpipe[2], const int pidpipe[2]);

/* "/proc/self/fd/N" into buf (at least 32 bytes), for mounting onto an O_PATH fd. */
const char *pp_fd_path(char *buf, int fd);
/* "/proc/PID/" followed by `tail` into buf (at least 32 bytes plus tail); -1 with ENAMETOOLONG. */
int pp_proc_path(char *buf, size_t size, pid_t pid, const char *tail);
/* Bounded string copy/concatenation into fixed buffers; -1 with ENAMETOOLONG when too long. */
int pp_join(char *buf, size_t size, const char *a, const char *b);

/* namespaces.c */
int pp_join_namespace(struct pp_ctx *c, const char *path, int nstype, int step);
int pp_join_sandbox(struct pp_ctx *c, const struct pp_launch *l);

/* spawn.c: the parent's side of a start, shared with userns.c. */
/* Read up to n bytes, stopping early only at end-of-file. */
size_t pp_read_full(int fd, void *buf, size_t n);
/* waitpid, ignoring EINTR and a caller's reaper that was first. */
void pp_reap(pid_t pid);
/* Fill *err for a failure of the parent itself; returns -1. */
pid_t pp_parent_fail(struct pp_error *err, int step);
/* EOF on the error pipe is success (pid returned); a record is the child's failure (-1). */
pid_t pp_collect(int errfd, pid_t pid, struct pp_error *err);
/* The parent's end of an intermediate process (clone failed with clone_errno when pid < 0): the
 * pipes' write ends closed, the command's pid read from pidpipe, the intermediate reaped, the
 * command's report collected as pp_collect does. */
pid_t pp_intermediate_result(pid_t pid, int clone_errno, const int errpipe[2], const int pidpipe[2],
                             struct pp_error *err);
/* Stacks of children that share their parent's memory (pp_clone_vfork): a container child keeps
 * a few PATH_MAX buffers at once; an exec command's deepest path is pp_execvpe's PATH buffer. */
#define PP_CHILD_STACK (128 * 1024)
#define PP_VFORK_STACK (32 * 1024)

/* userns.c: pods with a user namespace of their own (hostUsers: false). */
/* pp_spawn for a launch with ns_user. */
pid_t pp_spawn_userns(const struct pp_launch *l, struct pp_error *err);
/* Enter the cgroup v2 directory `dir` (an open fd) by writing this process into its
 * cgroup.procs: for a process that must not clone into it (CLONE_INTO_CGROUP makes a copy). */
int pp_join_cgroup_dir(struct pp_ctx *c, int dir);
/* In the container child, first of all: become uid and gid 0 of its user namespace. */
int pp_become_namespace_root(struct pp_ctx *c);
/* In the container child: attach a copy of the root the intermediate mounted (the working
 * directory) on top of it, and return it in *rootfd. */
int pp_enter_userns_rootfs(struct pp_ctx *c, const struct pp_launch *l, int *rootfd);
/* spawn.c: the container's own setup, from clone to execve. */
__attribute__((noreturn)) void pp_container_child(const struct pp_launch *l, int errfd);
/* In the sandbox helper, after its tmpfs is mounted: make the user namespace and the pod's
 * namespaces it owns, set them up (pp_sandbox_inside), pin all four. */
int pp_sandbox_userns(struct pp_ctx *c, const struct pp_sandbox *s);

/* sandbox.c */
/* Inside the pod's new namespaces: hostname, loopback, sysctls. */
int pp_sandbox_inside(struct pp_ctx *c, const struct pp_sandbox *s);
/* Bind the namespace file `source` onto a new file `pin`. */
int pp_pin_namespace(struct pp_ctx *c, const char *source, const char *pin);

/* rootfs.c */
int pp_open_in_root(int rootfd, const char *path, int flags);
int pp_mkdir_in_root(int rootfd, const char *path, int last_is_file);
int pp_prepare_rootfs(struct pp_ctx *c, const struct pp_launch *l, int *rootfd);
int pp_mount_specs(struct pp_ctx *c, const struct pp_launch *l, int rootfd);
int pp_protect_paths(struct pp_ctx *c, const struct pp_launch *l, int rootfd);
int pp_finish_rootfs(struct pp_ctx *c, const struct pp_launch *l, int rootfd);
/* pivot_root into merged_dir, or into rootfd (an O_PATH fd of the new root) when it is >= 0. */
int pp_pivot_root(struct pp_ctx *c, int rootfd, const char *merged_dir);

/* devices.c */
int pp_mount_kernel_fs(struct pp_ctx *c, const struct pp_launch *l, int rootfd);

/* limits.c */
int pp_enter_limits(struct pp_ctx *c, const struct pp_cgroup_procs *procs, size_t count, int set_adj, int adj);

/* exec.c */
void pp_reset_signals(void);
void pp_default_signal(int sig);
int pp_setup_stdio(struct pp_ctx *c, const int32_t stdio[3]);
int pp_close_other_fds(struct pp_ctx *c);
int pp_set_credentials(struct pp_ctx *c, uid_t uid, gid_t gid, const gid_t *groups, size_t n);
int pp_execvpe(struct pp_ctx *c, char *const *argv, char *const *envp);

/* confine.c: from the working directory to execve(), for every process inside a container.
 * Returns only on failure (-1, recorded in c). */
int pp_start_process(struct pp_ctx *c, const struct pp_process *p);
/* The confinement half of pp_start_process, for a process that never calls execve (a copy into
 * or out of a container, copy.c): rlimits, the bounding set, user and capabilities,
 * no_new_privs, seccomp. */
int pp_confine(struct pp_ctx *c, const struct pp_process *p);

#endif /* PEAPOD_INTERNAL_H */

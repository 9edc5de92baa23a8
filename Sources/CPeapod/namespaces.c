/*
 * namespaces.c: joining the pod sandbox's namespaces with setns().
 *
 * A container gets its own mount namespace (and, unless the pod shares one, its own PID
 * namespace) from clone() itself; net, IPC and UTS are the pod's, pinned by bind mounts, so the
 * child joins them by path. Joining happens before any mount work because two later mounts
 * depend on it: sysfs shows the network devices of the mounting process's net namespace, and an
 * mqueue filesystem belongs to the IPC namespace of whoever mounts it.
 */
#include "internal.h"

#include <fcntl.h>
#include <sched.h>

int pp_join_namespace(struct pp_ctx *c, const char *path, int nstype, int step)
{
    PP_AUTOCLOSE int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pp_fail(c, PP_STEP_OPEN_NAMESPACE, -1, path);
    /* Passing nstype makes the kernel check that the file is the namespace we expect, so a
     * pin that lost its bind mount (a plain empty file) fails with EINVAL instead of joining
     * something else. */
    if (setns(fd, nstype) < 0)
        return pp_fail(c, step, -1, path);
    return 0;
}

int pp_join_sandbox(struct pp_ctx *c, const struct pp_launch *l)
{
    if (l->ns_net != NULL && pp_join_namespace(c, l->ns_net, CLONE_NEWNET, PP_STEP_JOIN_NET) < 0)
        return -1;
    if (l->ns_ipc != NULL && pp_join_namespace(c, l->ns_ipc, CLONE_NEWIPC, PP_STEP_JOIN_IPC) < 0)
        return -1;
    if (l->ns_uts != NULL && pp_join_namespace(c, l->ns_uts, CLONE_NEWUTS, PP_STEP_JOIN_UTS) < 0)
        return -1;
    return 0;
}

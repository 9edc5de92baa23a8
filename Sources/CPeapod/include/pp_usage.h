#ifndef PP_USAGE_H
#define PP_USAGE_H
/* Disk usage of directory trees, measured as the kubelet's volume/util/fs DiskUsage does
 * (st_blocks × 512 of every entry, a hard-linked file once, not descending into other
 * filesystems, symlinks not followed), by a thread of the caller's own so that a pod's
 * supervisor keeps serving its containers while a large tree is walked (disk_usage.c). */

#include <stdint.h>

/* Bytes used by the tree at `path` (the directory itself included): 0 when it does not exist,
 * -1 with errno when it cannot be opened for another reason. Runs in the calling thread. */
int64_t pp_disk_usage(const char *path);

struct pp_du;
/* Starts a thread that measures each of `count` paths in turn (copied). NULL with errno when
 * no thread or eventfd could be made. Every started measurement must be finished. */
struct pp_du *pp_du_start(const char *const *paths, int count);
/* An eventfd that poll(2) reports readable once the thread is done. */
int pp_du_fd(const struct pp_du *du);
/* Asks the thread to stop early (the results of unfinished paths are then -1). */
void pp_du_cancel(struct pp_du *du);
/* Joins the thread, copies the `count` results (as pp_disk_usage's) into `bytes`, closes the
 * eventfd and frees everything. */
void pp_du_finish(struct pp_du *du, int64_t *bytes);

#endif

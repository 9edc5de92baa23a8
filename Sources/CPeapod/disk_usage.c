/*
 * disk_usage.c: how much disk a directory tree takes, for the supervisor's local ephemeral
 * storage checks (a container's writable layer, its logs, a disk-backed emptyDir). Counted as
 * the kubelet's pkg/volume/util/fs DiskUsage counts: st_blocks × 512 of every entry (the
 * directories too), a file with several hard links once, nothing on another filesystem, symlinks
 * not followed.
 *
 * The walk is iterative and holds one directory open at a time: a container controls the tree
 * (its depth, its size), so neither the thread's stack nor the supervisor's descriptors may grow
 * with it. Going down remembers the parent's readdir position (and its inode); coming back up
 * opens ".." and checks that it is still that parent (a container may move directories while it
 * is walked: the walk then stops with what it counted, rather than wander). The measurement
 * runs in a thread of the caller's own at a lower CPU priority and reports through an eventfd;
 * like background.c's threads it makes system calls only and never touches Swift.
 */
#include "pp_usage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Inodes of files with more than one link seen so far: open addressing, at most half full. */
struct pp_inode_set {
    uint64_t *slots; /* inode + 1; 0 is an empty slot */
    size_t capacity;
    size_t count;
};

static uint64_t pp_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static int pp_inode_set_grow(struct pp_inode_set *set)
{
    size_t capacity = set->capacity ? set->capacity * 2 : 256;
    uint64_t *slots = calloc(capacity, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < set->capacity; i++) {
        if (set->slots[i] == 0)
            continue;
        size_t j = pp_mix(set->slots[i]) & (capacity - 1);
        while (slots[j] != 0)
            j = (j + 1) & (capacity - 1);
        slots[j] = set->slots[i];
    }
    free(set->slots);
    set->slots = slots;
    set->capacity = capacity;
    return 0;
}

/* 1 when `ino` was already in the set; otherwise adds it and returns 0 (also when the set
 * cannot grow: the file is then counted again, an overestimate rather than a miss). */
static int pp_inode_seen(struct pp_inode_set *set, uint64_t ino)
{
    uint64_t key = ino + 1;
    if ((set->count + 1) * 2 > set->capacity && pp_inode_set_grow(set) != 0)
        return 0;
    size_t j = pp_mix(key) & (set->capacity - 1);
    while (set->slots[j] != 0) {
        if (set->slots[j] == key)
            return 1;
        j = (j + 1) & (set->capacity - 1);
    }
    set->slots[j] = key;
    set->count++;
    return 0;
}

/* Where a directory's walk resumes once its child is done. */
struct pp_walk_frame {
    long position;
    ino_t ino;
};

static int64_t pp_blocks(const struct stat *st)
{
    return (int64_t)st->st_blocks * 512;
}

static int pp_cancelled(const int *cancel)
{
    return cancel != NULL && __atomic_load_n(cancel, __ATOMIC_RELAXED) != 0;
}

static int64_t pp_walk(const char *path, const int *cancel)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        struct stat st;
        if (errno == ENOTDIR && lstat(path, &st) == 0)
            return pp_blocks(&st);
        return -1;
    }
    struct stat top;
    if (fstat(fd, &top) != 0) {
        close(fd);
        return -1;
    }
    DIR *dir = fdopendir(fd);
    if (dir == NULL) {
        close(fd);
        return -1;
    }
    int64_t total = pp_blocks(&top);
    struct pp_inode_set linked = {0};
    struct pp_walk_frame *frames = NULL;
    size_t depth = 0, capacity = 0;
    ino_t current = top.st_ino;
    for (;;) {
        if (pp_cancelled(cancel)) {
            total = -1;
            break;
        }
        struct dirent *entry = readdir(dir);
        if (entry == NULL) {
            if (depth == 0)
                break;
            int parent = openat(dirfd(dir), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            closedir(dir);
            dir = NULL;
            struct stat st;
            depth--;
            if (parent < 0 || fstat(parent, &st) != 0 || st.st_ino != frames[depth].ino || st.st_dev != top.st_dev) {
                if (parent >= 0)
                    close(parent);
                break;
            }
            if ((dir = fdopendir(parent)) == NULL) {
                close(parent);
                break;
            }
            seekdir(dir, frames[depth].position);
            current = st.st_ino;
            continue;
        }
        const char *name = entry->d_name;
        if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0)))
            continue;
        struct stat st;
        if (fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_dev != top.st_dev)
            continue;
        if (!S_ISDIR(st.st_mode)) {
            if (st.st_nlink < 2 || !pp_inode_seen(&linked, (uint64_t)st.st_ino))
                total += pp_blocks(&st);
            continue;
        }
        total += pp_blocks(&st);
        if (depth == capacity) {
            size_t grown = capacity ? capacity * 2 : 32;
            struct pp_walk_frame *more = realloc(frames, grown * sizeof *frames);
            if (more == NULL)
                continue;
            frames = more;
            capacity = grown;
        }
        int child = openat(dirfd(dir), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (child < 0)
            continue;
        DIR *below = fdopendir(child);
        if (below == NULL) {
            close(child);
            continue;
        }
        frames[depth].position = telldir(dir);
        frames[depth].ino = current;
        depth++;
        closedir(dir);
        dir = below;
        current = st.st_ino;
    }
    if (dir != NULL)
        closedir(dir);
    free(frames);
    free(linked.slots);
    return total;
}

int64_t pp_disk_usage(const char *path)
{
    return pp_walk(path, NULL);
}

/* The thread's own stack, unmapped after the join (as background.c's, for the same reason). */
#define PP_DU_STACK (128 * 1024)

struct pp_du {
    pthread_t thread;
    void *stack;
    char **paths;
    int64_t *results;
    int count;
    int efd;
    int cancel;
};

static void *pp_du_main(void *arg)
{
    struct pp_du *du = arg;
    /* Below the supervisor's own work: the walk is background housekeeping. */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
    for (int i = 0; i < du->count; i++)
        du->results[i] = pp_cancelled(&du->cancel) ? -1 : pp_walk(du->paths[i], &du->cancel);
    uint64_t one = 1;
    while (write(du->efd, &one, sizeof one) < 0 && errno == EINTR)
        ;
    return NULL;
}

static void pp_du_free(struct pp_du *du)
{
    if (du->stack != NULL)
        munmap(du->stack, PP_DU_STACK);
    if (du->efd >= 0)
        close(du->efd);
    for (int i = 0; i < du->count; i++)
        free(du->paths[i]);
    free(du->paths);
    free(du->results);
    free(du);
}

struct pp_du *pp_du_start(const char *const *paths, int count)
{
    struct pp_du *du = calloc(1, sizeof *du);
    if (du == NULL)
        return NULL;
    du->efd = -1;
    du->paths = calloc((size_t)count + 1, sizeof *du->paths);
    du->results = calloc((size_t)count + 1, sizeof *du->results);
    if (du->paths == NULL || du->results == NULL)
        goto fail;
    for (int i = 0; i < count; i++) {
        if ((du->paths[i] = strdup(paths[i])) == NULL)
            goto fail;
        du->count = i + 1;
    }
    if ((du->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
        goto fail;
    du->stack = mmap(NULL, PP_DU_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (du->stack == MAP_FAILED) {
        du->stack = NULL;
        goto fail;
    }
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        goto fail;
    pthread_attr_setstack(&attr, du->stack, PP_DU_STACK);
    /* Signals stay with the main thread (the supervisor reads them from a signalfd). */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&du->thread, &attr, pp_du_main, du);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (rc == 0)
        return du;
    errno = rc;
fail:;
    int saved = errno;
    pp_du_free(du);
    errno = saved;
    return NULL;
}

int pp_du_fd(const struct pp_du *du)
{
    return du->efd;
}

void pp_du_cancel(struct pp_du *du)
{
    __atomic_store_n(&du->cancel, 1, __ATOMIC_RELAXED);
}

void pp_du_finish(struct pp_du *du, int64_t *bytes)
{
    pthread_join(du->thread, NULL);
    if (bytes != NULL)
        memcpy(bytes, du->results, (size_t)du->count * sizeof *bytes);
    pp_du_free(du);
}

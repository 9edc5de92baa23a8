/*
 * background.c: work the Swift process hands to a short-lived thread of its own so that it
 * overlaps with the rest of a pod's set-up or teardown: making or removing a list of
 * directories (a pod's cgroups, where every mkdir and rmdir takes the kernel's cgroup lock; its
 * layer and log directories), or closing a pod's mount namespaces and detaching its sandbox
 * before removing its cgroups. The thread only makes system calls and libc calls that are safe
 * in a multi-threaded process; it never touches Swift.
 */
#include "pp_host.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

enum { PP_MKDIR, PP_TEARDOWN };

/* The thread's own stack, unmapped after the join: glibc would otherwise keep a finished
 * thread's stack (and the pages it touched) cached for the next thread, for the whole life of a
 * pod's supervisor. */
#define PP_BACKGROUND_STACK (128 * 1024)

struct pp_background {
    pthread_t thread;
    void *stack;
    char **strings;   /* paths to make or remove (NULL-terminated) */
    int count;
    int kind;         /* PP_MKDIR (each in order) or PP_TEARDOWN (close fds, unmount, then rmdir
                       * each) */
    int *fds;         /* PP_TEARDOWN: descriptors to close first */
    int nfds;
    char *unmount;    /* PP_TEARDOWN: a mount point to detach (as often as it is mounted), or NULL */
    int result;       /* paths that failed */
};

static void *pp_background_main(void *arg)
{
    struct pp_background *b = arg;
    if (b->kind == PP_TEARDOWN) {
        /* Closing a container's last reference to its mount namespace and detaching a mount
         * both wait for an RCU grace period; the rmdirs take the cgroup lock. */
        for (int i = 0; i < b->nfds; i++)
            close(b->fds[i]);
        if (b->unmount != NULL)
            while (umount2(b->unmount, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
                ;
        for (int i = 0; i < b->count; i++)
            if (rmdir(b->strings[i]) < 0 && errno != ENOENT)
                b->result++;
    } else {
        for (int i = 0; i < b->count; i++)
            if (mkdir(b->strings[i], 0755) < 0 && errno != EEXIST)
                b->result++;
    }
    return NULL;
}

static void pp_background_free(struct pp_background *b)
{
    if (b->stack != NULL)
        munmap(b->stack, PP_BACKGROUND_STACK);
    free(b->fds);
    free(b->unmount);
    for (int i = 0; i < b->count; i++)
        free(b->strings[i]);
    free(b->strings);
    free(b);
}

static struct pp_background *pp_background_new(const char *const *strings, int count, int kind)
{
    struct pp_background *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    b->strings = calloc((size_t)count + 1, sizeof *b->strings);
    if (b->strings == NULL) {
        free(b);
        return NULL;
    }
    b->kind = kind;
    for (int i = 0; i < count; i++) {
        b->strings[i] = strdup(strings[i]);
        if (b->strings[i] == NULL) {
            pp_background_free(b);
            return NULL;
        }
        b->count = i + 1;
    }
    return b;
}

static struct pp_background *pp_background_launch(struct pp_background *b)
{
    if (b == NULL)
        return NULL;
    b->stack = mmap(NULL, PP_BACKGROUND_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (b->stack == MAP_FAILED) {
        b->stack = NULL;
        goto fail;
    }
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        goto fail;
    pthread_attr_setstack(&attr, b->stack, PP_BACKGROUND_STACK);
    /* Signals stay with the main thread (the supervisor reads them from a signalfd). */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&b->thread, &attr, pp_background_main, b);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (rc == 0)
        return b;
fail:
    pp_background_free(b);
    return NULL;
}

static struct pp_background *pp_background_start(const char *const *strings, int count, int kind)
{
    return pp_background_launch(pp_background_new(strings, count, kind));
}

struct pp_background *pp_background_teardown(const int *fds, int nfds, const char *unmount,
                                             const char *const *rmdirs, int count)
{
    struct pp_background *b = pp_background_new(rmdirs, count, PP_TEARDOWN);
    if (b == NULL)
        return NULL;
    if (nfds > 0) {
        b->fds = calloc((size_t)nfds, sizeof *b->fds);
        if (b->fds == NULL) {
            pp_background_free(b);
            return NULL;
        }
        memcpy(b->fds, fds, (size_t)nfds * sizeof *b->fds);
        b->nfds = nfds;
    }
    if (unmount != NULL && (b->unmount = strdup(unmount)) == NULL) {
        pp_background_free(b);
        return NULL;
    }
    return pp_background_launch(b);
}

struct pp_background *pp_background_mkdir(const char *const *paths, int count)
{
    return pp_background_start(paths, count, PP_MKDIR);
}

int pp_background_wait(struct pp_background *b)
{
    if (b == NULL)
        return -1;
    pthread_join(b->thread, NULL);
    int result = b->result;
    pp_background_free(b);
    return result;
}

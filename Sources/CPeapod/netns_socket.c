/*
 * netns_socket.c: a socket of a pod's network namespace for `peapod port-forward`
 * (pp_netns_socket). A socket belongs to the network namespace its creator was in, and stays
 * there wherever it is used from; so a short-lived thread joins the pod's namespace, makes the
 * socket and ends, taking its namespace with it. The command's own threads never change
 * namespace: its listening sockets are made in the host's and nowhere else.
 *
 * The thread only makes system calls.
 */
#include "internal.h"

#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>

struct pp_netns_request {
    int netns_fd;
    int domain;
    int type;
    int fd;
    int err;
};

static void *pp_netns_thread(void *arg)
{
    struct pp_netns_request *r = arg;
    r->fd = -1;
    if (setns(r->netns_fd, CLONE_NEWNET) < 0) {
        r->err = errno;
        return NULL;
    }
    r->fd = socket(r->domain, r->type | SOCK_CLOEXEC, 0);
    r->err = r->fd < 0 ? errno : 0;
    return NULL;
}

int pp_netns_socket(int netns_fd, int domain, int type)
{
    struct pp_netns_request r = {netns_fd, domain, type, -1, 0};
    pthread_t thread;
    int e = pthread_create(&thread, NULL, pp_netns_thread, &r);
    if (e != 0) {
        errno = e;
        return -1;
    }
    pthread_join(thread, NULL);
    if (r.fd < 0)
        errno = r.err;
    return r.fd;
}

/*
 * netlink.c: the smallest rtnetlink client the pod network needs: a request built in a fixed
 * buffer (attributes, nested attributes), sent, and its acknowledgement read back as an errno.
 * No allocation, so the sandbox helper may use it between fork and exit; no libnl.
 */
#include "netlink.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int pp_rtnl_open(void)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return -1;
    struct sockaddr_nl local = {.nl_family = AF_NETLINK};
    if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

void pp_nl_init(struct pp_nl_req *r, uint16_t type, uint16_t flags, const void *header, size_t header_len)
{
    memset(r, 0, sizeof *r);
    r->h.nlmsg_type = type;
    r->h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
    r->h.nlmsg_len = NLMSG_LENGTH(header_len);
    memcpy(NLMSG_DATA(&r->h), header, header_len);
}

struct rtattr *pp_nl_put(struct pp_nl_req *r, uint16_t type, const void *data, size_t len)
{
    size_t at = NLMSG_ALIGN(r->h.nlmsg_len);
    size_t size = RTA_LENGTH(len);
    if (at + RTA_ALIGN(size) > PP_NL_CAPACITY) {
        r->overflow = 1;
        return NULL;
    }
    struct rtattr *a = (struct rtattr *)((char *)&r->h + at);
    a->rta_type = type;
    a->rta_len = (unsigned short)size;
    if (len > 0)
        memcpy(RTA_DATA(a), data, len);
    r->h.nlmsg_len = (uint32_t)(at + RTA_ALIGN(size));
    return a;
}

struct rtattr *pp_nl_put_string(struct pp_nl_req *r, uint16_t type, const char *s)
{
    return pp_nl_put(r, type, s, strlen(s) + 1);
}

struct rtattr *pp_nl_nest(struct pp_nl_req *r, uint16_t type)
{
    return pp_nl_put(r, type, NULL, 0);
}

void pp_nl_nest_end(struct pp_nl_req *r, struct rtattr *nest)
{
    if (nest != NULL)
        nest->rta_len = (unsigned short)((char *)&r->h + r->h.nlmsg_len - (char *)nest);
}

void *pp_nl_tail(struct pp_nl_req *r, size_t len)
{
    size_t at = NLMSG_ALIGN(r->h.nlmsg_len);
    if (at + NLMSG_ALIGN(len) > PP_NL_CAPACITY) {
        r->overflow = 1;
        return NULL;
    }
    void *p = (char *)&r->h + at;
    memset(p, 0, len);
    r->h.nlmsg_len = (uint32_t)(at + NLMSG_ALIGN(len));
    return p;
}

int pp_nl_talk(int fd, struct pp_nl_req *r)
{
    if (r->overflow) {
        errno = EMSGSIZE;
        return -1;
    }
    static _Thread_local uint32_t seq;
    r->h.nlmsg_seq = ++seq;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    ssize_t sent;
    do {
        sent = sendto(fd, &r->h, r->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0)
        return -1;
    /* Only the acknowledgement comes back: an error record, 0 for success. */
    char buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_seq != r->h.nlmsg_seq)
                continue;
            if (h->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(h);
                if (e->error == 0)
                    return 0;
                errno = -e->error;
                return -1;
            }
        }
    }
}

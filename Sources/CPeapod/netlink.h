/* netlink.h: the request builder of netlink.c, for network.c. Not part of the Swift API. */
#ifndef PP_NETLINK_H
#define PP_NETLINK_H

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdint.h>

struct pp_nl_req {
    struct nlmsghdr h;
    char body[1024];
    int overflow;
};

#define PP_NL_CAPACITY (sizeof(struct nlmsghdr) + 1024)

int pp_rtnl_open(void);
void pp_nl_init(struct pp_nl_req *r, uint16_t type, uint16_t flags, const void *header, size_t header_len);
struct rtattr *pp_nl_put(struct pp_nl_req *r, uint16_t type, const void *data, size_t len);
struct rtattr *pp_nl_put_string(struct pp_nl_req *r, uint16_t type, const char *s);
struct rtattr *pp_nl_nest(struct pp_nl_req *r, uint16_t type);
void pp_nl_nest_end(struct pp_nl_req *r, struct rtattr *nest);
/* Room for a fixed header inside a nest (the veth peer's ifinfomsg). */
void *pp_nl_tail(struct pp_nl_req *r, size_t len);
/* Send the request and wait for its acknowledgement: 0, or -1 with errno. */
int pp_nl_talk(int fd, struct pp_nl_req *r);

#endif

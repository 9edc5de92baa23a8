/*
 * network.c: the default pod network's links and addresses, through rtnetlink (netlink.c).
 *
 * The bridge is made by the command that creates the first pod on it; a pod's veth pair,
 * address and default route by the pod's sandbox helper (sandbox.c), in parallel with the rest
 * of the supervisor's set-up. The pair is made with one request on a socket of the host's
 * namespace that names the bridge as master, sets the host end up and puts the peer, named eth0,
 * straight into the pod's namespace: nothing of the pod is ever visible on the host under a
 * name another pod could take, and when the pod's namespace goes the kernel removes both ends.
 */
#include "internal.h"
#include "netlink.h"
#include "pp_net.h"

#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>

int pp_net_link_index(const char *name)
{
    return (int)if_nametoindex(name);
}

static int pp_link_up(int fd, int index)
{
    struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = index, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
    struct pp_nl_req r;
    pp_nl_init(&r, RTM_NEWLINK, 0, &ifi, sizeof ifi);
    return pp_nl_talk(fd, &r);
}

static int pp_address_add(int fd, int index, uint32_t address, int prefix)
{
    struct ifaddrmsg ifa = {.ifa_family = AF_INET, .ifa_prefixlen = (unsigned char)prefix, .ifa_index = (unsigned)index};
    struct pp_nl_req r;
    pp_nl_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
    pp_nl_put(&r, IFA_LOCAL, &address, 4);
    pp_nl_put(&r, IFA_ADDRESS, &address, 4);
    uint32_t host = ntohl(address);
    uint32_t mask = prefix == 0 ? 0 : ~0u << (32 - prefix);
    uint32_t broadcast = htonl(host | ~mask);
    if (prefix < 31)
        pp_nl_put(&r, IFA_BROADCAST, &broadcast, 4);
    return pp_nl_talk(fd, &r);
}

int pp_net_bridge_ensure(const char *name, uint32_t address, int prefix, int *step)
{
    PP_AUTOCLOSE int fd = pp_rtnl_open();
    *step = 1;
    if (fd < 0)
        return -1;
    struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
    struct pp_nl_req r;
    pp_nl_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
    pp_nl_put_string(&r, IFLA_IFNAME, name);
    struct rtattr *info = pp_nl_nest(&r, IFLA_LINKINFO);
    pp_nl_put_string(&r, IFLA_INFO_KIND, "bridge");
    pp_nl_nest_end(&r, info);
    if (pp_nl_talk(fd, &r) < 0 && errno != EEXIST)
        return -1;
    int index = pp_net_link_index(name);
    *step = 2;
    if (index == 0) {
        errno = ENODEV;
        return -1;
    }
    if (pp_address_add(fd, index, address, prefix) < 0 && errno != EEXIST)
        return -1;
    *step = 3;
    return pp_link_up(fd, index);
}

int pp_net_link_delete(const char *name)
{
    PP_AUTOCLOSE int fd = pp_rtnl_open();
    if (fd < 0)
        return -1;
    struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
    struct pp_nl_req r;
    pp_nl_init(&r, RTM_DELLINK, 0, &ifi, sizeof ifi);
    pp_nl_put_string(&r, IFLA_IFNAME, name);
    if (pp_nl_talk(fd, &r) < 0 && errno != ENODEV)
        return -1;
    return 0;
}

/* The veth pair: the host end a port of the bridge, both ends up, the peer made as eth0 in the
 * namespace `netns_fd`. Sent on `host_fd`, a socket of the host's namespace. */
static int pp_veth_add(int host_fd, const struct pp_pod_net *n, int bridge, int netns_fd)
{
    struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
    struct pp_nl_req r;
    pp_nl_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
    pp_nl_put_string(&r, IFLA_IFNAME, n->host_if);
    uint32_t master = (uint32_t)bridge;
    pp_nl_put(&r, IFLA_MASTER, &master, 4);
    struct rtattr *info = pp_nl_nest(&r, IFLA_LINKINFO);
    pp_nl_put_string(&r, IFLA_INFO_KIND, "veth");
    struct rtattr *data = pp_nl_nest(&r, IFLA_INFO_DATA);
    struct rtattr *peer = pp_nl_nest(&r, VETH_INFO_PEER);
    struct ifinfomsg *peer_ifi = pp_nl_tail(&r, sizeof *peer_ifi);
    /* The peer is brought up later, from inside the pod: up at creation, veth_open refuses it
     * (ENOTCONN), as its own peer is not linked to it yet. */
    if (peer_ifi != NULL)
        peer_ifi->ifi_family = AF_UNSPEC;
    pp_nl_put_string(&r, IFLA_IFNAME, "eth0");
    uint32_t ns = (uint32_t)netns_fd;
    pp_nl_put(&r, IFLA_NET_NS_FD, &ns, 4);
    pp_nl_nest_end(&r, peer);
    pp_nl_nest_end(&r, data);
    pp_nl_nest_end(&r, info);
    return pp_nl_talk(host_fd, &r);
}

static int pp_default_route(int fd, int index, uint32_t gateway)
{
    struct rtmsg rt = {
        .rtm_family = AF_INET, .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_BOOT,
        .rtm_scope = RT_SCOPE_UNIVERSE, .rtm_type = RTN_UNICAST,
    };
    struct pp_nl_req r;
    pp_nl_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof rt);
    pp_nl_put(&r, RTA_GATEWAY, &gateway, 4);
    uint32_t oif = (uint32_t)index;
    pp_nl_put(&r, RTA_OIF, &oif, 4);
    return pp_nl_talk(fd, &r);
}

int pp_pod_network_bridge(struct pp_ctx *c, const struct pp_pod_net *n)
{
    int bridge = pp_net_link_index(n->bridge);
    if (bridge == 0) {
        errno = ENODEV;
        return pp_fail(c, PP_STEP_NET_BRIDGE, -1, n->bridge);
    }
    return bridge;
}

int pp_pod_network_setup(struct pp_ctx *c, int host_fd, int bridge, const struct pp_pod_net *n, const char *pin_net)
{
    PP_AUTOCLOSE int netns = open(pin_net, O_RDONLY | O_CLOEXEC);
    if (netns < 0)
        return pp_fail(c, PP_STEP_NET_VETH, -1, pin_net);
    if (pp_veth_add(host_fd, n, bridge, netns) < 0)
        return pp_fail(c, PP_STEP_NET_VETH, -1, n->host_if);
    /* The helper is in the pod's namespace already unless a user namespace made it (userns.c):
     * joining it again is harmless, and this helper exits right after. */
    if (setns(netns, CLONE_NEWNET) < 0)
        return pp_fail(c, PP_STEP_NET_VETH, -1, pin_net);
    PP_AUTOCLOSE int fd = pp_rtnl_open();
    if (fd < 0)
        return pp_fail(c, PP_STEP_NET_ADDRESS, -1, "eth0");
    int eth0 = pp_net_link_index("eth0");
    if (eth0 == 0) {
        errno = ENODEV;
        return pp_fail(c, PP_STEP_NET_ADDRESS, -1, "eth0");
    }
    if (pp_link_up(fd, eth0) < 0 || pp_address_add(fd, eth0, n->address, n->prefix) < 0)
        return pp_fail(c, PP_STEP_NET_ADDRESS, -1, "eth0");
    if (pp_default_route(fd, eth0, n->gateway) < 0)
        return pp_fail(c, PP_STEP_NET_ROUTE, -1, "eth0");
    return 0;
}

#ifndef PP_NET_H
#define PP_NET_H
/* The pod network's kernel side (netlink.c, network.c, nft.c): raw rtnetlink for the bridge, a
 * pod's veth pair, its address and default route; libnftables, loaded when first needed, for
 * Peapod's own nftables table. Addresses are IPv4 in network byte order. */

#include <stddef.h>
#include <stdint.h>

/* A pod's attachment to the default network, made by the sandbox helper (sandbox.c) once the
 * pod's network namespace is pinned: a veth pair whose host end `host_if` is a port of `bridge`
 * and whose other end is the pod's `eth0`, with `address/prefix` and a default route via
 * `gateway`. */
struct pp_pod_net {
    const char *bridge;
    const char *host_if;
    uint32_t address;
    uint32_t gateway;
    int32_t prefix;
};

/* Makes the bridge `name` with `address/prefix` and brings it up; an existing bridge or address
 * is fine. 0, or -1 with errno and *step (1 create, 2 address, 3 up). */
int pp_net_bridge_ensure(const char *name, uint32_t address, int prefix, int *step);

/* Deletes the link `name` (for a veth: both ends). 0 also when there is none; -1 with errno. */
int pp_net_link_delete(const char *name);

/* The index of link `name` in this process's network namespace, 0 when there is none. */
int pp_net_link_index(const char *name);

/* Runs an nft script (the nft command language) through libnftables, loaded on first use, as
 * one transaction. 0; -1 with the error text in `message` (NUL-terminated, cut to `size`);
 * -2 when libnftables cannot be loaded (the message says why). */
int pp_nft_run(const char *script, char *message, size_t size);

#endif

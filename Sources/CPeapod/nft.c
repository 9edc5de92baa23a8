/*
 * nft.c: Peapod's own nftables table, written through libnftables (Debian libnftables-dev) in
 * the nft command language, one script per call, which the library applies as one transaction.
 *
 * The library is loaded with dlopen the first time a process needs it (a pod with hostPorts, the
 * first pod on the network, the last one leaving it), not linked: it brings libnftnl, libmnl,
 * libjansson, libgmp and libxtables along, whose loading every `peapod` command and every pod's
 * supervisor would pay at start otherwise, and the static release build has no archive of it.
 */
#include "pp_net.h"

#include <dlfcn.h>
#include <nftables/libnftables.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static struct {
    struct nft_ctx *(*ctx_new)(uint32_t);
    void (*ctx_free)(struct nft_ctx *);
    int (*buffer_output)(struct nft_ctx *);
    int (*buffer_error)(struct nft_ctx *);
    const char *(*get_error)(struct nft_ctx *);
    int (*run)(struct nft_ctx *, const char *);
    char why[200];
} pp_nft;

static pthread_once_t pp_nft_once = PTHREAD_ONCE_INIT;

static void pp_nft_load(void)
{
    void *lib = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        const char *e = dlerror();
        snprintf(pp_nft.why, sizeof pp_nft.why, "cannot load libnftables (install libnftables1): %s", e ? e : "");
        return;
    }
    pp_nft.ctx_new = (struct nft_ctx * (*)(uint32_t)) dlsym(lib, "nft_ctx_new");
    pp_nft.ctx_free = (void (*)(struct nft_ctx *))dlsym(lib, "nft_ctx_free");
    pp_nft.buffer_output = (int (*)(struct nft_ctx *))dlsym(lib, "nft_ctx_buffer_output");
    pp_nft.buffer_error = (int (*)(struct nft_ctx *))dlsym(lib, "nft_ctx_buffer_error");
    pp_nft.get_error = (const char *(*)(struct nft_ctx *))dlsym(lib, "nft_ctx_get_error_buffer");
    pp_nft.run = (int (*)(struct nft_ctx *, const char *))dlsym(lib, "nft_run_cmd_from_buffer");
    if (!pp_nft.ctx_new || !pp_nft.ctx_free || !pp_nft.buffer_output || !pp_nft.buffer_error ||
        !pp_nft.get_error || !pp_nft.run) {
        snprintf(pp_nft.why, sizeof pp_nft.why, "libnftables lacks a function Peapod uses");
        pp_nft.run = NULL;
    }
}

int pp_nft_run(const char *script, char *message, size_t size)
{
    if (size > 0)
        message[0] = '\0';
    pthread_once(&pp_nft_once, pp_nft_load);
    if (pp_nft.run == NULL) {
        snprintf(message, size, "%s", pp_nft.why);
        return -2;
    }
    struct nft_ctx *ctx = pp_nft.ctx_new(NFT_CTX_DEFAULT);
    if (ctx == NULL) {
        snprintf(message, size, "nft_ctx_new failed");
        return -1;
    }
    /* Both buffered: nothing of the library's goes to the caller's stdout or stderr. */
    pp_nft.buffer_output(ctx);
    pp_nft.buffer_error(ctx);
    int rc = pp_nft.run(ctx, script);
    if (rc != 0) {
        const char *e = pp_nft.get_error(ctx);
        snprintf(message, size, "%s", e ? e : "nftables refused the rules");
    }
    pp_nft.ctx_free(ctx);
    return rc == 0 ? 0 : -1;
}

/*
 * probe.c: the network half of the kubelet's tcpSocket and httpGet probes (pp_probe_connect).
 *
 * A probe targets the pod's own 127.0.0.1, which exists only inside the pod's network
 * namespace, and the supervisor's poll loop must never wait on a peer. So every probe is a
 * short-lived child: it joins the namespace, connects, sends the request the caller laid out,
 * reads the response into a buffer and hands it over through the caller's output fd, then exits
 * with a code saying how far it got (enum pp_probe_result). There is no timeout in here: the
 * caller SIGKILLs the child once the probe's timeoutSeconds have passed, and reaps it like any
 * other child.
 *
 * The child makes system calls only, with fixed buffers on its stack; it never allocates and
 * never runs Swift.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>

/* Whether the n bytes at p equal the lower-case literal, ignoring ASCII case. */
static int pp_ascii_iequal(const char *p, size_t n, const char *lit)
{
    size_t i = 0;
    for (; i < n && lit[i] != '\0'; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != lit[i])
            return 0;
    }
    return i == n && lit[i] == '\0';
}

/* Whether the n bytes at p contain the lower-case literal, ignoring ASCII case. */
static int pp_ascii_icontains(const char *p, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    for (size_t i = 0; i + m <= n; i++)
        if (pp_ascii_iequal(p + i, m, lit))
            return 1;
    return 0;
}

/* The end (index after the empty line) of the header block whose first line starts at
 * `start`, or 0 when the empty line has not arrived yet. Lines end in CRLF or a bare LF. */
static size_t pp_head_end(const char *b, size_t start, size_t len)
{
    for (size_t i = start; i < len; i++) {
        if (b[i] != '\n')
            continue;
        if (i + 1 < len && b[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && b[i + 1] == '\r' && b[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

/* Whether chunked framing starting at `pos` is complete: every chunk, the zero chunk and the
 * empty line after the trailers. Framing that makes no sense also counts as complete: reading
 * on would not help, and the parent reports it. */
static int pp_chunks_complete(const char *b, size_t pos, size_t len)
{
    for (;;) {
        size_t size = 0;
        int digits = 0;
        for (; pos < len; pos++, digits++) {
            char c = b[pos];
            int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (v < 0)
                break;
            if (size > ((size_t)1 << 30))
                return 1;
            size = size * 16 + (size_t)v;
        }
        const char *nl = pos < len ? memchr(b + pos, '\n', len - pos) : NULL;
        if (nl == NULL)
            return 0;
        if (digits == 0)
            return 1;
        pos = (size_t)(nl - b) + 1;
        if (size == 0)
            return pp_head_end(b, pos - 1, len) != 0;
        /* The data, then its CRLF (or LF). */
        if (len - pos < size + 1)
            return 0;
        pos += size;
        if (b[pos] == '\r')
            pos++;
        if (pos >= len)
            return 0;
        pos++;
    }
}

/* Whether b holds a whole response, so the child can stop reading without waiting for the
 * server to close (a server may keep the connection despite "Connection: close"): the final
 * header block (1xx interim responses other than 101 are skipped, as Go's client does) and the
 * body its Content-Length or chunked framing announces. A body framed by neither ends at
 * end-of-file. Anything unparseable counts as complete; the parent reports it. */
static int pp_response_complete(const char *b, size_t len)
{
    size_t start = 0;
    for (;;) {
        const char *nl = start < len ? memchr(b + start, '\n', len - start) : NULL;
        if (nl == NULL)
            return 0;
        const char *sp = memchr(b + start, ' ', (size_t)(nl - (b + start)));
        while (sp != NULL && sp + 1 < nl && sp[1] == ' ')
            sp++;
        if (sp == NULL || nl - sp < 4 || sp[1] < '0' || sp[1] > '9' || sp[2] < '0' || sp[2] > '9' ||
            sp[3] < '0' || sp[3] > '9')
            return 1;
        int code = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
        size_t end = pp_head_end(b, start, len);
        if (end == 0)
            return 0;
        if (code >= 100 && code < 200 && code != 101) {
            start = end;
            continue;
        }
        if (code < 200 || code == 204 || code == 304)
            return 1;
        int chunked = 0, has_length = 0;
        size_t length = 0;
        size_t line = (size_t)(nl - b) + 1;
        while (line < end) {
            const char *eol = memchr(b + line, '\n', end - line);
            size_t n = (size_t)(eol - (b + line));
            const char *colon = memchr(b + line, ':', n);
            if (colon != NULL) {
                size_t name = (size_t)(colon - (b + line));
                const char *v = colon + 1;
                size_t vn = (size_t)(eol - v);
                if (pp_ascii_iequal(b + line, name, "transfer-encoding") && pp_ascii_icontains(v, vn, "chunked")) {
                    chunked = 1;
                } else if (pp_ascii_iequal(b + line, name, "content-length")) {
                    has_length = 1;
                    length = 0;
                    for (size_t i = 0; i < vn; i++) {
                        if (v[i] >= '0' && v[i] <= '9' && length < ((size_t)1 << 40))
                            length = length * 10 + (size_t)(v[i] - '0');
                        else if (v[i] != ' ' && v[i] != '\t' && v[i] != '\r')
                            return 1;
                    }
                }
            }
            line = (size_t)(eol - b) + 1;
        }
        if (chunked)
            return pp_chunks_complete(b, end, len);
        if (has_length)
            return len - end >= length;
        return 0;
    }
}

/* Report a failure: errno and the local port (0 when there is no socket yet), then exit. */
__attribute__((noreturn)) static void pp_probe_fail(int out_fd, int code, int sock)
{
    int32_t record[2] = {errno, 0};
    struct sockaddr_in local;
    socklen_t n = sizeof local;
    if (sock >= 0 && getsockname(sock, (struct sockaddr *)&local, &n) == 0 && local.sin_family == AF_INET)
        record[1] = ntohs(local.sin_port);
    ssize_t w;
    do {
        w = write(out_fd, record, sizeof record);
    } while (w < 0 && errno == EINTR);
    _exit(code);
}

__attribute__((noreturn)) static void pp_probe_child(pid_t parent, int netns_fd, uint16_t port,
                                                     const char *request, size_t request_len, int out_fd)
{
    /* Signals stay blocked (the parent blocked them all across clone): no handler of the
     * caller may run here, and SIGPIPE cannot kill us (send uses MSG_NOSIGNAL anyway). SIGKILL
     * still works, which is all the caller uses. If the caller dies first, so does the probe:
     * a server that accepts and never answers would otherwise keep it forever. */
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != parent)
        _exit(PP_PROBE_SETUP_FAILED);
    if (setns(netns_fd, CLONE_NEWNET) < 0)
        pp_probe_fail(out_fd, PP_PROBE_SETUP_FAILED, -1);
    /* Let go of the caller's other descriptors (its pipes and sockets) at once rather than
     * when the probe ends. */
    pp_close_all_except(out_fd);

    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        pp_probe_fail(out_fd, PP_PROBE_SETUP_FAILED, -1);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(s, (struct sockaddr *)&addr, sizeof addr) < 0)
        pp_probe_fail(out_fd, PP_PROBE_CONNECT_FAILED, -1);
    if (request_len == 0)
        _exit(PP_PROBE_OK);     /* tcpSocket: connecting was the probe */

    for (size_t sent = 0; sent < request_len;) {
        ssize_t w = send(s, request + sent, request_len - sent, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            pp_probe_fail(out_fd, PP_PROBE_SEND_FAILED, s);
        sent += (size_t)w;
    }
    char buf[PP_PROBE_RESPONSE_MAX];
    size_t got = 0;
    while (got < sizeof buf) {
        ssize_t r = recv(s, buf + got, sizeof buf - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            pp_probe_fail(out_fd, PP_PROBE_RECEIVE_FAILED, s);
        if (r == 0)
            break;
        got += (size_t)r;
        if (pp_response_complete(buf, got))
            break;
    }
    for (size_t put = 0; put < got;) {
        ssize_t w = write(out_fd, buf + put, got - put);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            pp_probe_fail(out_fd, PP_PROBE_SETUP_FAILED, -1);
        put += (size_t)w;
    }
    _exit(PP_PROBE_OK);
}

pid_t pp_probe_connect(int netns_fd, uint16_t port, const void *request, size_t request_len, int out_fd,
                       struct pp_error *err)
{
    memset(err, 0, sizeof *err);
    err->index = -1;
    if (netns_fd < 0 || out_fd < 0) {
        err->step = PP_STEP_OPEN_NAMESPACE;
        err->err = EBADF;
        errno = EBADF;
        return -1;
    }
    pid_t parent = getpid();
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    /* A fork: the child reads its own copy of the request, so the caller may free it at once. */
    pid_t pid = pp_clone(0, -1);
    if (pid == 0)
        pp_probe_child(parent, netns_fd, port, request, request_len, out_fd);
    int clone_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) {
        err->step = PP_STEP_CLONE;
        err->err = clone_errno;
        errno = clone_errno;
        return -1;
    }
    return pid;
}

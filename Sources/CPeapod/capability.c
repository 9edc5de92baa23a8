/*
 * capability.c: capability names and numbers for the Swift side, through libcap (the parent
 * only: libcap allocates, so a child between clone and execve uses raw capset/prctl instead,
 * confine.c).
 */
#include "pp_host.h"

#include <ctype.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

int pp_capability_number(const char *name)
{
    cap_value_t value;
    /* libcap also takes numbers and lower case; a securityContext names capabilities, so only
     * the CAP_ form is looked up. */
    if (strncmp(name, "CAP_", 4) != 0)
        return -1;
    for (const char *p = name; *p != '\0'; p++)
        if (islower((unsigned char)*p))
            return -1;
    if (cap_from_name(name, &value) < 0)
        return -1;
    return (int)value;
}

int pp_capability_last(void)
{
    return (int)cap_max_bits() - 1;
}

int pp_capability_name(int cap, char *buf, size_t size)
{
    char *name = cap_to_name((cap_value_t)cap);
    if (name == NULL)
        return -1;
    size_t n = strlen(name);
    int ok = n + 1 <= size && strncmp(name, "cap_", 4) == 0;
    if (ok) {
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)toupper((unsigned char)name[i]);
        buf[n] = '\0';
    }
    cap_free(name);
    return ok ? 0 : -1;
}

uint64_t pp_capability_permitted(void)
{
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) < 0)
        return 0;
    return (uint64_t)data[0].permitted | ((uint64_t)data[1].permitted << 32);
}

/* printenv: coreutils' printenv for the Peapod busybox image (Debian's busybox-static lacks it).
 * With no argument it prints every variable; with names it prints each value in the order given
 * and exits 1 when one is unset, as coreutils does. C rather than a shell script so values with
 * newlines and names a shell cannot spell (a.b) behave exactly as in coreutils. */
#include <stdio.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        puts("Usage: printenv [VARIABLE]...\nPrint the values of the specified environment VARIABLE(s).\n"
             "If no VARIABLE is specified, print name and value pairs for them all.");
        return 0;
    }
    if (argc < 2) {
        for (char **entry = environ; *entry; entry++) puts(*entry);
        return 0;
    }
    int missing = 0;
    for (int i = 1; i < argc; i++) {
        const char *name = argv[i];
        size_t len = strlen(name);
        int found = 0;
        if (len > 0 && !strchr(name, '=')) {
            for (char **entry = environ; *entry; entry++) {
                if (!strncmp(*entry, name, len) && (*entry)[len] == '=') {
                    puts(*entry + len + 1);
                    found = 1;
                    break;
                }
            }
        }
        if (!found) missing++;
    }
    return missing ? 1 : 0;
}

// SPDX-License-Identifier: MIT
// hello: the smallest bundled program (issue 4). Prints a greeting, then argc and every
// argument after argv[0] (argv[0] is the launcher's choice, so it is not compared).
#include <stdio.h>

int main(int argc, char **argv)
{
    printf("hello from dsmk\n");
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    return 0;
}

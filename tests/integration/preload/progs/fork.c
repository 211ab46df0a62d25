/* fork.c - parent_leak keeps 1000 x 1 KiB, then the process forks; the
 * child keeps 500 x 2 KiB from child_leak and exits (exit snapshot under its
 * own pid); the parent waits and exits.  Prints both pids. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

void *kept[2000];

__attribute__((noinline)) void parent_leak(void)
{
    for (int i = 0; i < 1000; i++)
        kept[i] = malloc(1024);
}

__attribute__((noinline)) void child_leak(void)
{
    for (int i = 0; i < 500; i++)
        kept[1000 + i] = malloc(2048);
}

int main(void)
{
    parent_leak();
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        child_leak();
        printf("child %d\n", (int)getpid());
        exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("parent %d child-status %d\n", (int)getpid(), WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}

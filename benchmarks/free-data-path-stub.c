// A stand-in for rbd-fuse with no Ceph client at all, for benchmarks/free-data-path.sh
// only: it serves a pre-made local file as the image, so a boot timed with it shows what
// every part of rbdfence's start costs except the data path's. Never a product: what goes
// through it never reaches the cluster.
//
// Called as the fuse backend calls rbd-fuse (MOUNTDIR first, the image after -r), inside
// the private mount namespace the backend gives it: mounts a small tmpfs on MOUNTDIR, binds
// IMAGES/IMAGE onto MOUNTDIR/IMAGE, and stays in the background (as the daemonized rbd-fuse
// does) so that the namespace, and the file the loop device is attached to, stay there
// until SIGTERM. IMAGES is fixed at build time: gcc -DIMAGES='"/path"'.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#ifndef IMAGES
#error "build with -DIMAGES='\"/directory/of/image/files\"'"
#endif

int main(int argc, char **argv)
{
    const char *image = NULL;
    for (int i = 2; i + 1 < argc; i++)
        if (strcmp(argv[i], "-r") == 0)
            image = argv[i + 1];
    if (argc < 2 || image == NULL || strchr(image, '/') != NULL) {
        fprintf(stderr, "rbd-fuse stand-in: usage: rbd-fuse MOUNTDIR ... -r IMAGE ...\n");
        return 2;
    }

    const char *mount_dir = argv[1];
    char served[4096], source[4096];
    snprintf(served, sizeof served, "%s/%s", mount_dir, image);
    snprintf(source, sizeof source, "%s/%s", IMAGES, image);
    if (mount("rbd-fuse-stand-in", mount_dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755") != 0) {
        perror("rbd-fuse stand-in: mount tmpfs");
        return 1;
    }
    int fd = open(served, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0 || close(fd) != 0 || mount(source, served, NULL, MS_BIND, NULL) != 0) {
        fprintf(stderr, "rbd-fuse stand-in: cannot serve %s as %s: %m\n", source, served);
        return 1;
    }

    pid_t child = fork();
    if (child < 0) {
        perror("rbd-fuse stand-in: fork");
        return 1;
    }
    if (child > 0)
        return 0; // as rbd-fuse: the mount is ready once the started process exits

    setsid();
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    for (;;)
        pause(); // SIGTERM ends it; the namespace and its mounts go with it
}

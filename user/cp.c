/*
 * cp: copy a file.  Usage: cp SOURCE DEST.  Plain POSIX C: it builds
 * unchanged on any Unix.  A DEST that is SOURCE under another spelling
 * (same st_dev and st_ino) is refused before it is opened: O_TRUNC would
 * empty the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

static char buf[64 * 1024];

int
main(int argc, char **argv)
{
	struct stat st;
	ssize_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: cp SOURCE DEST\n");
		return 2;
	}
	int in = open(argv[1], O_RDONLY);
	if (in < 0 || fstat(in, &st) < 0) {
		fprintf(stderr, "cp: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (S_ISDIR(st.st_mode)) {
		fprintf(stderr, "cp: %s: is a directory\n", argv[1]);
		return 1;
	}
	struct stat dst;
	if (stat(argv[2], &dst) == 0 && st.st_ino != 0 && dst.st_dev == st.st_dev &&
	    dst.st_ino == st.st_ino) {
		fprintf(stderr, "cp: %s and %s are the same file\n", argv[1], argv[2]);
		return 1;
	}
	int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		fprintf(stderr, "cp: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));
			if (w < 0) {
				fprintf(stderr, "cp: %s: %s\n", argv[2], strerror(errno));
				return 1;
			}
			done += w;
		}
	}
	if (n < 0) {
		fprintf(stderr, "cp: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (close(out) < 0) {
		fprintf(stderr, "cp: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	close(in);
	return 0;
}

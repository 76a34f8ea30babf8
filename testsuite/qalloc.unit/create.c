/* create.c -- qalloc.md section 6, A1-A7: creating maps, their files,
   placement and parameter checks.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <sys/mman.h>

#include "qtest.h"

#define MiB ((off_t) 1 << 20)
/* What a map's file may hold beyond its capacity: the heap's header
   and metadata pages.  */
#define HEADROOM (256 * 1024)

static int
errno_is (int e)
{
  return errno == e;
}

static void
a1_a2 (void)
{
  char *path = qt_path ("create", "a1");
  mode_t um = umask (022);
  struct stat st;
  char *a, *b;
  size_t n;
  pid_t pid;
  void *m;

  umask (um);
  m = qalloc_makestatmap (4 * MiB, NULL, path, 16, 3);
  if (!CHECK (m != NULL, "A1: makestatmap (4 MiB, NULL, new file, 16, 3)"))
    mmt_fatal ("A1: errno %s", strerror (errno));
  CHECK (stat (path, &st) == 0 && (st.st_mode & 0777) == (0600 & ~um),
	 "A1: the file has mode 0600 & ~umask");
  CHECK (st.st_size >= 4 * MiB && st.st_size <= 4 * MiB + HEADROOM,
	 "A1: the file holds 4 MiB plus a bounded header (%lld bytes)",
	 (long long) st.st_size);
  a = qalloc_statmalloc (m);
  b = qalloc_statmalloc (m);
  CHECK (a != NULL && b != NULL && b - a == 16,
	 "A1: consecutive new items are 16 bytes apart");
  for (n = 2; qalloc_statmalloc (m) != NULL; n++)
    ;
  CHECK (n == (size_t) (4 * MiB / 16), "A1: the map holds 4 MiB / 16 items"
	 " (%zu)", n);
  qalloc_statfree (a, m);
  qalloc_cleanup ();

  /* The file records address, item size and streams: check them in
     another process.  */
  pid = mmt_fork ();
  if (pid == 0)
    {
      void *l = qalloc_loadmap (path);
      int ok = l != NULL;

      ok = ok && qalloc_statmalloc (l) == a;	/* same address */
      ok = ok && qalloc_statmalloc (l) == NULL;	/* same count */
      errno = 0;
      ok = ok && qalloc_makestatmap (4 * MiB, NULL, path, 16, 2) == NULL
	&& errno == EINVAL;			/* 3 streams recorded */
      ok = ok && qalloc_makestatmap (4 * MiB, NULL, path, 16, 3) == l;
      qalloc_statfree (b, l);
      ok = ok && qalloc_statmalloc (l) == b;	/* 16-byte items */
      mmt_child_exit (ok ? 0 : 1);
    }
  CHECK (mmt_wait (pid) == 0,
	 "A1: another process finds the address, item count and streams");
  unlink (path);
  free (path);

  /* A2: an existing empty file (as mkstemp makes) is formatted.  */
  {
    char tmpl[64];
    int fd;

    snprintf (tmpl, sizeof tmpl, "create-a2-%ld-XXXXXX", (long) getpid ());
    fd = mkstemp (tmpl);
    if (fd < 0)
      mmt_fatal ("mkstemp: %s", strerror (errno));
    close (fd);
    m = qalloc_makestatmap (4 * MiB, NULL, tmpl, 16, 3);
    a = m != NULL ? qalloc_statmalloc (m) : NULL;
    CHECK (m != NULL && a != NULL,
	   "A2: makestatmap formats an existing empty file");
    qalloc_cleanup ();
    unlink (tmpl);
    snprintf (tmpl, sizeof tmpl, "create-a2d-%ld-XXXXXX", (long) getpid ());
    fd = mkstemp (tmpl);
    if (fd < 0)
      mmt_fatal ("mkstemp: %s", strerror (errno));
    close (fd);
    m = qalloc_makedynmap (4 * MiB, NULL, tmpl, 3);
    CHECK (m != NULL && qalloc_dynmalloc (m, 13) != NULL,
	   "A2: makedynmap formats an existing empty file");
    qalloc_cleanup ();
    unlink (tmpl);
  }
}

static void
a3 (void)
{
  char *path = qt_path ("create", "a3");
  long long size;
  void *m, *l;

  m = qalloc_makedynmap (4 * MiB, NULL, path, 3);
  if (!CHECK (m != NULL, "A3: makedynmap (4 MiB, NULL, new file, 3)"))
    return;
  size = qt_file_size (path);
  CHECK (size > 0 && size <= 4 * MiB * 5 / 4 + 1 * MiB,
	 "A3: the file is bounded by the capacity (%lld bytes)", size);
  errno = 0;
  CHECK (qalloc_statmalloc (m) == NULL && errno == EINVAL,
	 "A3: statmalloc refuses a dynamic map (EINVAL)");
  qalloc_cleanup ();
  errno = 0;
  CHECK (qalloc_makestatmap (4 * MiB, NULL, path, 16, 3) == NULL
	 && errno == EINVAL, "A3: the file is recorded as dynamic");
  l = qalloc_loadmap (path);
  CHECK (l != NULL && qalloc_malloc (l, 100) != NULL,
	 "A3: loadmap finds a dynamic map");
  qalloc_cleanup ();
  unlink (path);
  free (path);
}

/* A4: item sizes are rounded up to a multiple of sizeof (void *).  */
static void
a4 (void)
{
  static const size_t sizes[] = { 1, 4, 5, 13, 16, 17 };
  size_t i;

  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    {
      char *path = qt_path ("create", "a4");
      size_t want = (sizes[i] + sizeof (void *) - 1)
	& ~(sizeof (void *) - 1), n;
      void *m = qalloc_makestatmap (4096, NULL, path, sizes[i], 2);
      char *a = m != NULL ? qalloc_statmalloc (m) : NULL;
      char *b = m != NULL ? qalloc_statmalloc (m) : NULL;

      for (n = 2; m != NULL && qalloc_statmalloc (m) != NULL; n++)
	;
      CHECK (a != NULL && b != NULL && (size_t) (b - a) == want
	     && n == 4096 / want && (uintptr_t) a % sizeof (void *) == 0,
	     "A4: item size %zu is stored as %zu (%zu items in 4096 bytes)",
	     sizes[i], want, n);
      qalloc_cleanup ();
      unlink (path);
      free (path);
    }
}

/* A5: placement at a given address; an occupied one is refused.  */
static void
a5 (void)
{
  char *path = qt_path ("create", "a5");
  size_t len = 64 << 20, i;
  char *probe, *want, *occ;
  void *m;
  int intact = 1;

  probe = mmap (NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (probe == MAP_FAILED)
    mmt_fatal ("mmap: %s", strerror (errno));
  munmap (probe, len);
  want = probe + (16 << 20);
  m = qalloc_makestatmap (1 * MiB, want, path, 64, 2);
  CHECK (m != NULL && qt_map_base (path) == (uintptr_t) want,
	 "A5: a new map is placed at the free address asked for");
  if (m != NULL)
    {
      char *p = qalloc_statmalloc (m);
      CHECK (p != NULL && p >= want && p + 64 <= want + 2 * MiB,
	     "A5: its items lie in the map at that address");
    }
  qalloc_cleanup ();
  unlink (path);

  /* Occupied: never clobbered.  */
  occ = mmap (NULL, 1 << 20, PROT_READ | PROT_WRITE,
	      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (occ == MAP_FAILED)
    mmt_fatal ("mmap: %s", strerror (errno));
  memset (occ, 0x5a, 1 << 20);
  errno = 0;
  m = qalloc_makestatmap (4 * MiB, occ, path, 64, 2);
  CHECK (m == NULL && errno == EEXIST,
	 "A5: makestatmap at an occupied address fails with EEXIST");
  errno = 0;
  m = qalloc_makedynmap (4 * MiB, occ, path, 2);
  CHECK (m == NULL && errno == EEXIST,
	 "A5: makedynmap at an occupied address fails with EEXIST");
  for (i = 0; i < (1 << 20); i++)
    intact &= occ[i] == 0x5a;
  CHECK (intact && qt_is_mapped (occ, 1 << 20) && qt_map_base (path) == 0,
	 "A5: the existing mapping is intact");
  CHECK (qt_file_size (path) == 0,
	 "A5: the failed creation leaves the file empty");
  errno = 0;
  m = qalloc_makestatmap (4 * MiB, occ + 1, path, 64, 2);
  CHECK (m == NULL && errno == EINVAL,
	 "A5: an address that is not page-aligned gives EINVAL");
  munmap (occ, 1 << 20);
  unlink (path);
  free (path);
}

/* A6: invalid parameters.  */
static void
a6 (void)
{
  char *path = qt_path ("create", "a6");
  static const off_t huge = (off_t) 1 << 45;

  errno = 0;
  CHECK (qalloc_makestatmap (4096, NULL, path, 0, 1) == NULL
	 && errno_is (EINVAL), "A6: itemsize 0 gives EINVAL");
  errno = 0;
  CHECK (qalloc_makestatmap (4096, NULL, path, 16, 0) == NULL
	 && errno_is (EINVAL), "A6: streams 0 gives EINVAL (static)");
  errno = 0;
  CHECK (qalloc_makedynmap (4096, NULL, path, 0) == NULL
	 && errno_is (EINVAL), "A6: streams 0 gives EINVAL (dynamic)");
  errno = 0;
  CHECK (qalloc_makestatmap (4096, NULL, path, 16, 65) == NULL
	 && errno_is (EINVAL), "A6: streams 65 gives EINVAL");
  errno = 0;
  CHECK (qalloc_makestatmap (0, NULL, path, 16, 1) == NULL
	 && errno_is (EINVAL), "A6: filesize 0 gives EINVAL");
  errno = 0;
  CHECK (qalloc_makedynmap (-4096, NULL, path, 1) == NULL
	 && errno_is (EINVAL), "A6: a negative filesize gives EINVAL");
  errno = 0;
  CHECK (qalloc_makestatmap (10, NULL, path, 16, 1) == NULL
	 && errno_is (EINVAL), "A6: a filesize below one item gives EINVAL");
  errno = 0;
  CHECK (qalloc_makestatmap (4096, NULL, NULL, 16, 1) == NULL
	 && errno_is (EINVAL), "A6: a null file name gives EINVAL");
  CHECK (qt_file_size (path) == -1,
	 "A6: rejected parameters create no file");
  errno = 0;
  CHECK (qalloc_makestatmap (INT64_MAX, NULL, path, 16, 1) == NULL
	 && errno_is (EINVAL), "A6: an unrepresentable filesize gives EINVAL");
  errno = 0;
  CHECK (qalloc_makedynmap (huge, NULL, path, 1) == NULL
	 && (errno == EINVAL || errno == ENOMEM)
	 && qt_file_size (path) <= 0,
	 "A6: a 32 TiB map is refused (%s)", strerror (errno));
  unlink (path);
  free (path);
}

/* A7: a file of the right size whose header is zeros, or garbage, is
   not a map: it is refused, and left as it was.  */
static void
a7 (void)
{
  char *path = qt_path ("create", "a7");
  static char buf[4096];
  int fd, same = 1;
  size_t i;

  fd = open (path, O_RDWR | O_CREAT, 0600);
  if (fd < 0 || ftruncate (fd, 4 * MiB) != 0)
    mmt_fatal ("A7: cannot make the file");
  errno = 0;
  CHECK (qalloc_makestatmap (4 * MiB, NULL, path, 16, 3) == NULL
	 && errno == EINVAL,
	 "A7: a zero-filled file is refused (EINVAL), not formatted");
  errno = 0;
  CHECK (qalloc_loadmap (path) == NULL && errno == EINVAL,
	 "A7: loadmap refuses a zero-filled file (EINVAL)");
  if (pread (fd, buf, sizeof buf, 0) != (ssize_t) sizeof buf)
    mmt_fatal ("A7: read");
  for (i = 0; i < sizeof buf; i++)
    same &= buf[i] == 0;
  CHECK (same && qt_file_size (path) == 4 * MiB,
	 "A7: the refused file is unchanged");
  for (i = 0; i < sizeof buf; i++)
    buf[i] = (char) (i * 131 + 7);
  if (pwrite (fd, buf, sizeof buf, 0) != (ssize_t) sizeof buf)
    mmt_fatal ("A7: write");
  errno = 0;
  CHECK (qalloc_makedynmap (4 * MiB, NULL, path, 3) == NULL
	 && (errno == EINVAL || errno == ENOTSUP || errno == EUCLEAN),
	 "A7: a file of garbage is refused (%s)", strerror (errno));
  close (fd);
  unlink (path);
  free (path);
}

int
main (void)
{
  a1_a2 ();
  a3 ();
  a4 ();
  a5 ();
  a6 ();
  a7 ();
  mmt_exit ();
}

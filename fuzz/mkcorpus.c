/* mkcorpus.c -- writes the seed corpora of the fuzz targets: real heap
   files (fresh, with small and large blocks, freed runs, checking on,
   keys, a capacity limit, several streams, a multi-segment heap, one
   left attached by a process that exited), real qalloc maps (static
   and dynamic) and a few operation strings for apiseq.  Heaps are made
   at the fuzz window's base (fuzz.h) so that the harnesses' base
   rewrite changes nothing, and every file is written without its
   trailing zero bytes: the harnesses pad short inputs back to the size
   the header records, so seeds stay small.

   Usage: mkcorpus DIR -- creates DIR/heapfile, DIR/qmap, DIR/apiseq.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include "fuzz.h"
#include <sys/stat.h>
#include <sys/wait.h>
#include <mmalloc.h>
#include <qthread/qalloc.h>

static const char *outdir;
static char tmpname[4096];

/* Copy the heap file TMPNAME to OUTDIR/SUB/NAME without its trailing
   zeros, then remove it.  */
static void
save (const char *sub, const char *name)
{
  char path[4096];
  FILE *f = fopen (tmpname, "rb"), *g;
  unsigned char *buf;
  struct stat st;
  size_t n;

  if (f == NULL || fstat (fileno (f), &st) != 0)
    FZ_FAIL ("%s: %s", tmpname, strerror (errno));
  buf = malloc ((size_t) st.st_size + 1);
  if (buf == NULL)
    FZ_FAIL ("out of memory");
  n = fread (buf, 1, (size_t) st.st_size, f);
  fclose (f);
  while (n > 0 && buf[n - 1] == 0)
    n--;
  n = (n + 15) & ~(size_t) 15;
  if (n > (size_t) st.st_size)
    n = (size_t) st.st_size;
  snprintf (path, sizeof path, "%s/%s/%s", outdir, sub, name);
  g = fopen (path, "wb");
  if (g == NULL || fwrite (buf, 1, n, g) != n || fclose (g) != 0)
    FZ_FAIL ("%s: %s", path, strerror (errno));
  free (buf);
  unlink (tmpname);
  printf ("%s: %zu bytes\n", path, n);
}

static void
save_bytes (const char *name, const void *data, size_t n)
{
  char path[4096];
  FILE *g;

  snprintf (path, sizeof path, "%s/apiseq/%s", outdir, name);
  g = fopen (path, "wb");
  if (g == NULL || fwrite (data, 1, n, g) != n || fclose (g) != 0)
    FZ_FAIL ("%s: %s", path, strerror (errno));
}

static void *
attach_new (unsigned int streams, size_t capacity, int *fdp)
{
  struct mmalloc_options o;
  void *md;
  int fd;

  unlink (tmpname);
  fd = open (tmpname, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    FZ_FAIL ("%s: %s", tmpname, strerror (errno));
  memset (&o, 0, sizeof o);
  o.size = sizeof o;
  o.streams = streams;
  o.capacity = capacity;
  md = mmalloc_attach_opts (fd, (void *) FZ_BASE, &o);
  if (md == NULL)
    FZ_FAIL ("attach: %s", strerror (errno));
  *fdp = fd;
  return md;
}

static void
finish (void *md, int fd, const char *name)
{
  if (mmalloc_detach (md) != NULL)
    FZ_FAIL ("detach: %s", strerror (errno));
  close (fd);
  save ("heapfile", name);
}

/* Small blocks of many classes, every third freed, and large ones, one
   of two freed: partial runs, free lists inside objects, free runs.  */
static void
populate (void *md, unsigned int seed)
{
  void *small[120], *large[4];
  int i;

  for (i = 0; i < 120; i++)
    {
      small[i] = mmalloc (md, 1 + (size_t) ((i * 37 + seed) % 1200));
      if (small[i] != NULL)
	memset (small[i], i & 0xff, 1);
    }
  for (i = 0; i < 4; i++)
    large[i] = mmalloc (md, (size_t) (20000 + i * 9000));
  for (i = 0; i < 120; i += 3)
    mfree (md, small[i]);
  for (i = 0; i < 4; i += 2)
    mfree (md, large[i]);
  mmalloc_setkey (md, 0, small[1]);
  mmalloc_setkey (md, 3, large[1]);
}

static void
heaps (void)
{
  void *md, *p;
  int fd;
  pid_t pid;

  md = attach_new (0, 0, &fd);
  finish (md, fd, "fresh");

  md = attach_new (0, 0, &fd);
  populate (md, 1);
  finish (md, fd, "populated");

  md = attach_new (0, 0, &fd);
  if (mmcheck (md, NULL) != 1)
    FZ_FAIL ("mmcheck refused");
  populate (md, 2);
  finish (md, fd, "checked");

  md = attach_new (4, (size_t) 1 << 20, &fd);
  populate (md, 3);
  finish (md, fd, "capacity-streams");

  /* A huge block spanning segments, one freed: several bitmap bits,
     descriptors of later segments.  */
  md = attach_new (0, 0, &fd);
  populate (md, 4);
  p = mmalloc (md, (size_t) 20 << 20);
  mfree (md, mmalloc (md, (size_t) 5 << 20));
  (void) p;
  finish (md, fd, "huge");

  /* Left attached by a process that exited: state dirty, nattached 1.  */
  unlink (tmpname);
  pid = fork ();
  if (pid == 0)
    {
      md = attach_new (2, 0, &fd);
      populate (md, 5);
      _exit (0);
    }
  if (pid < 0 || waitpid (pid, NULL, 0) != pid)
    FZ_FAIL ("fork: %s", strerror (errno));
  save ("heapfile", "dirty");
}

static void
maps (void)
{
  void *map, *it[40];
  int i;

  unlink (tmpname);
  map = qalloc_makestatmap ((off_t) 64 << 10, (void *) FZ_BASE, tmpname,
			    48, 2);
  if (map == NULL)
    FZ_FAIL ("makestatmap: %s", strerror (errno));
  for (i = 0; i < 40; i++)
    it[i] = qalloc_malloc (map, 0);
  for (i = 0; i < 40; i += 3)
    qalloc_free (it[i], map);
  qalloc_cleanup ();
  save ("qmap", "static");

  map = qalloc_makedynmap ((off_t) 256 << 10, (void *) FZ_BASE, tmpname, 1);
  if (map == NULL)
    FZ_FAIL ("makedynmap: %s", strerror (errno));
  for (i = 0; i < 40; i++)
    it[i] = qalloc_malloc (map, (size_t) (16 + i * 131));
  for (i = 0; i < 40; i += 3)
    qalloc_free (it[i], map);
  qalloc_cleanup ();
  save ("qmap", "dynamic");
}

static void
sequences (void)
{
  unsigned char buf[512];
  unsigned int x = 12345;
  int s;
  size_t i;

  for (s = 0; s < 4; s++)
    {
      char name[32];
      for (i = 0; i < sizeof buf; i++)
	{
	  x = x * 1103515245u + 12345u;
	  buf[i] = (unsigned char) (x >> 16);
	}
      snprintf (name, sizeof name, "random%d", s);
      save_bytes (name, buf, (size_t) 64 << s);
    }
}

int
main (int argc, char **argv)
{
  static const char *const subs[] = { "", "/heapfile", "/qmap", "/apiseq" };
  char path[4096];
  size_t i;

  if (argc != 2)
    {
      fprintf (stderr, "usage: %s DIR\n", argv[0]);
      return 2;
    }
  outdir = argv[1];
  for (i = 0; i < sizeof subs / sizeof subs[0]; i++)
    {
      snprintf (path, sizeof path, "%s%s", outdir, subs[i]);
      if (mkdir (path, 0755) != 0 && errno != EEXIST)
	FZ_FAIL ("%s: %s", path, strerror (errno));
    }
  snprintf (tmpname, sizeof tmpname, "%s/mkcorpus-%ld.tmp", outdir,
	    (long) getpid ());
  heaps ();
  maps ();
  sequences ();
  unlink (tmpname);
  return 0;
}

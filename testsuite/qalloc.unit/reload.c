/* reload.c -- qalloc.md section 6, B12 and D19-D24, D26: persistence,
   reloading in new processes, reload checks.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <mmalloc.h>
#include "qtest.h"

#define F ((off_t) 1 << 20)
#define ITEM 32
#define NLIVE 100
#define NDYN 50

/* What the creating process leaves for the others, in a text file:
   the two map names, their base, the live items and blocks.  */
struct saved
{
  char spath[256], dpath[256];
  uintptr_t sbase;
  uintptr_t item[NLIVE];
  uintptr_t blk[NDYN];
  size_t blen[NDYN];
};

static struct saved sv;

static size_t
blen (size_t i)
{
  return 1 + i * 397 % 5000;
}

static void
save (const char *file)
{
  FILE *f = fopen (file, "w");
  size_t i;

  if (f == NULL)
    mmt_fatal ("fopen %s", file);
  fprintf (f, "%s\n%s\n%lx\n", sv.spath, sv.dpath, (unsigned long) sv.sbase);
  for (i = 0; i < NLIVE; i++)
    fprintf (f, "%lx\n", (unsigned long) sv.item[i]);
  for (i = 0; i < NDYN; i++)
    fprintf (f, "%lx %zu\n", (unsigned long) sv.blk[i], sv.blen[i]);
  fclose (f);
}

static void
load (const char *file)
{
  FILE *f = fopen (file, "r");
  unsigned long x;
  size_t i;

  if (f == NULL || fscanf (f, "%255s %255s %lx", sv.spath, sv.dpath, &x) != 3)
    mmt_fatal ("cannot read %s", file);
  sv.sbase = x;
  for (i = 0; i < NLIVE; i++)
    if (fscanf (f, "%lx", &x) == 1)
      sv.item[i] = x;
  for (i = 0; i < NDYN; i++)
    if (fscanf (f, "%lx %zu", &x, &sv.blen[i]) == 2)
      sv.blk[i] = x;
  fclose (f);
}

/* Whether the data of every live item and block is intact.  */
static int
data_intact (int with_dyn)
{
  size_t i;

  for (i = 0; i < NLIVE; i++)
    if (!qt_check_fill ((void *) sv.item[i], ITEM, i))
      return 0;
  for (i = 0; with_dyn && i < NDYN; i++)
    if (!qt_check_fill ((void *) sv.blk[i], sv.blen[i], i + 500))
      return 0;
  return 1;
}

/* Whether P is one of the live items.  */
static int
is_live (uintptr_t p)
{
  size_t i;

  for (i = 0; i < NLIVE; i++)
    if (sv.item[i] == p)
      return 1;
  return 0;
}

/* D19: loadmap in a new process.  */
static int
child_d19 (void)
{
  void *s = qalloc_loadmap (sv.spath), *d = qalloc_loadmap (sv.dpath);
  size_t i, clash = 0, overlap = 0;

  if (!CHECK (s != NULL && d != NULL, "D19: loadmap loads both maps"))
    return 1;
  CHECK (qt_map_base (sv.spath) == sv.sbase,
	 "D19: the static map is at the address it was created at");
  CHECK (data_intact (1), "D19/B12: the data at the saved pointers is intact");
  for (i = 0; i < 3 * NLIVE; i++)
    {
      uintptr_t p = (uintptr_t) qalloc_statmalloc (s);
      clash += p == 0 || is_live (p);
      if (p != 0)
	qt_fill ((void *) p, ITEM, 77);
    }
  CHECK (clash == 0, "D19: new items are free ones, never live ones");
  for (i = 0; i < NDYN; i++)
    {
      uintptr_t p = (uintptr_t) qalloc_dynmalloc (d, 3000);
      size_t k;
      for (k = 0; p != 0 && k < NDYN; k++)
	overlap += p < sv.blk[k] + sv.blen[k] && sv.blk[k] < p + 3000;
      overlap += p == 0;
    }
  CHECK (overlap == 0, "D19: new dynamic blocks overlap no live block");
  errno = 0;
  CHECK (qalloc_statmalloc (d) == NULL && errno == EINVAL
	 && qalloc_dynmalloc (s, 8) == NULL,
	 "D19: the kinds come from the files");
  CHECK (qalloc_makestatmap (F, NULL, sv.spath, 1, 2) == s,
	 "D19: streams 2 and filesize come from the header (itemsize"
	 " ignored)");
  qalloc_cleanup ();
  return 0;
}

/* D20: makestatmap with the recorded address.  */
static int
child_d20 (void)
{
  void *s = qalloc_makestatmap (F, (void *) sv.sbase, sv.spath, 1000, 2);

  CHECK (s != NULL && qt_map_base (sv.spath) == sv.sbase,
	 "D20: makestatmap (F, recorded address, any itemsize) reloads");
  CHECK (s != NULL && data_intact (0), "D20: the data is intact");
  qalloc_cleanup ();
  return 0;
}

/* D21: another address is refused; NULL means "where it was".  */
static int
child_d21 (void)
{
  char *other = (char *) sv.sbase + ((size_t) 1 << 30);
  void *s;

  errno = 0;
  s = qalloc_makestatmap (F, other, sv.spath, ITEM, 2);
  CHECK (s == NULL && errno == EINVAL && qt_map_base (sv.spath) == 0,
	 "D21: makestatmap with another address gives EINVAL, never a"
	 " relocated map");
  errno = 0;
  CHECK (qalloc_makedynmap (F, (char *) sv.sbase + 4096, sv.dpath, 2) == NULL
	 && errno == EINVAL, "D21: the same for makedynmap");
  s = qalloc_makestatmap (F, NULL, sv.spath, ITEM, 2);
  CHECK (s != NULL && qt_map_base (sv.spath) == sv.sbase && data_intact (0),
	 "D21: makestatmap with NULL loads at the recorded address");
  qalloc_cleanup ();
  return 0;
}

/* D22, D23: wrong filesize, streams or kind.  */
static int
child_d22_d23 (void)
{
  errno = 0;
  CHECK (qalloc_makestatmap (2 * F, NULL, sv.spath, ITEM, 2) == NULL
	 && errno == EINVAL, "D22: a static reload with the wrong filesize"
	 " gives EINVAL");
  errno = 0;
  CHECK (qalloc_makedynmap (F + 1, NULL, sv.dpath, 2) == NULL
	 && errno == EINVAL, "D22: a dynamic reload with the wrong filesize"
	 " gives EINVAL");
  errno = 0;
  CHECK (qalloc_makestatmap (F, NULL, sv.spath, ITEM, 3) == NULL
	 && errno == EINVAL, "D23: a static reload with other streams gives"
	 " EINVAL");
  errno = 0;
  CHECK (qalloc_makedynmap (F, NULL, sv.dpath, 1) == NULL
	 && errno == EINVAL, "D23: a dynamic reload with other streams gives"
	 " EINVAL");
  errno = 0;
  CHECK (qalloc_makedynmap (F, NULL, sv.spath, 2) == NULL
	 && errno == EINVAL, "D23: makedynmap on a static file gives EINVAL");
  errno = 0;
  CHECK (qalloc_makestatmap (F, NULL, sv.dpath, ITEM, 2) == NULL
	 && errno == EINVAL, "D23: makestatmap on a dynamic file gives EINVAL");
  CHECK (qt_map_base (sv.spath) == 0 && qt_map_base (sv.dpath) == 0,
	 "D22/D23: refused reloads leave nothing mapped");
  CHECK (qalloc_loadmap (sv.spath) != NULL && qalloc_loadmap (sv.dpath) != NULL
	 && data_intact (1), "D22/D23: the maps are unharmed");
  qalloc_cleanup ();
  return 0;
}

/* D24: files that are not maps.  */
static void
d24 (void)
{
  char *path = qt_path ("reload", "d24");
  static char junk[100];
  struct qp_ctl_prefix { char magic[8]; } *ctl;
  void *md, *blk;
  int fd;

  errno = 0;
  CHECK (qalloc_loadmap (path) == NULL && errno == ENOENT,
	 "D24: loadmap of a missing file gives ENOENT");
  fd = open (path, O_RDWR | O_CREAT, 0600);
  errno = 0;
  CHECK (qalloc_loadmap (path) == NULL && errno == EINVAL,
	 "D24: loadmap of an empty file gives EINVAL");
  memset (junk, 'q', sizeof junk);
  if (fd < 0 || write (fd, junk, sizeof junk) != (ssize_t) sizeof junk)
    mmt_fatal ("D24: write");
  errno = 0;
  CHECK (qalloc_loadmap (path) == NULL
	 && (errno == EINVAL || errno == ENOTSUP || errno == EUCLEAN),
	 "D24: loadmap of a short foreign file fails (%s)", strerror (errno));
  close (fd);
  unlink (path);

  /* An mmalloc heap, but not a qalloc map: no key 0, then a key 0 that
     names a block without the magic.  */
  fd = open (path, O_RDWR | O_CREAT, 0600);
  md = mmalloc_attach (fd, NULL);
  blk = md != NULL ? mmalloc (md, 256) : NULL;
  if (blk == NULL)
    mmt_fatal ("D24: mmalloc heap: %s", strerror (errno));
  memset (blk, 0, 256);
  mmalloc_detach (md);
  errno = 0;
  CHECK (qalloc_loadmap (path) == NULL && errno == EINVAL,
	 "D24: an mmalloc heap without key 0 is not a map (EINVAL)");
  md = mmalloc_attach (fd, NULL);
  mmalloc_setkey (md, 0, blk);
  mmalloc_detach (md);
  errno = 0;
  CHECK (qalloc_loadmap (path) == NULL && errno == EINVAL,
	 "D24: a key 0 without the magic is refused (EINVAL)");
  md = mmalloc_attach (fd, NULL);
  mmalloc_setkey (md, 0, (char *) md + 8);	/* not a block */
  mmalloc_detach (md);
  errno = 0;
  CHECK (qalloc_loadmap (path) == NULL && errno == EINVAL,
	 "D24: a key 0 that is not a block is refused (EINVAL)");
  close (fd);
  unlink (path);

  /* A real map whose control block is damaged, then repaired.  */
  if (qalloc_makestatmap (F, NULL, path, 16, 1) == NULL)
    mmt_fatal ("D24: makestatmap: %s", strerror (errno));
  qalloc_cleanup ();
  fd = open (path, O_RDWR);
  md = mmalloc_attach (fd, NULL);
  ctl = md != NULL ? mmalloc_getkey (md, 0) : NULL;
  if (ctl == NULL)
    mmt_fatal ("D24: no key 0 in a map");
  ctl->magic[0] ^= 0x20;
  mmalloc_detach (md);
  errno = 0;
  CHECK (qalloc_loadmap (path) == NULL && errno == EINVAL,
	 "D24: a map with a corrupt magic is refused (EINVAL)");
  md = mmalloc_attach (fd, NULL);
  ctl = mmalloc_getkey (md, 0);
  ctl->magic[0] ^= 0x20;
  mmalloc_detach (md);
  CHECK (qalloc_loadmap (path) != NULL, "D24: repaired, it loads again");
  qalloc_cleanup ();

  /* Truncated.  */
  if (ftruncate (fd, 8192) != 0)
    mmt_fatal ("ftruncate");
  errno = 0;
  CHECK (qalloc_loadmap (path) == NULL
	 && (errno == EUCLEAN || errno == EINVAL),
	 "D24: a truncated map is refused (%s)", strerror (errno));
  close (fd);
  unlink (path);
  free (path);
}

/* D26: several maps; checkpoint reaches the files; cleanup unmaps all.  */
static void
d26 (void)
{
  char *p1 = qt_path ("reload", "d26a"), *p2 = qt_path ("reload", "d26b");
  char *p3 = qt_path ("reload", "d26c");
  int fds0 = qt_count_fds (), ok = 1, i;
  void *m1, *m2, *m3;
  char *b[3];
  const char *paths[3];

  m1 = qalloc_makestatmap (F, NULL, p1, 64, 1);
  m2 = qalloc_makestatmap (F, NULL, p2, 128, 2);
  m3 = qalloc_makedynmap (F, NULL, p3, 2);
  if (m1 == NULL || m2 == NULL || m3 == NULL)
    mmt_fatal ("D26: make: %s", strerror (errno));
  b[0] = qalloc_statmalloc (m1);
  b[1] = qalloc_statmalloc (m2);
  b[2] = qalloc_dynmalloc (m3, 5000);
  paths[0] = p1;
  paths[1] = p2;
  paths[2] = p3;
  qt_fill (b[0], 64, 1);
  qt_fill (b[1], 128, 2);
  qt_fill (b[2], 5000, 3);
  qalloc_checkpoint ();
  for (i = 0; i < 3; i++)
    {
      static char buf[5000];
      size_t n = i == 0 ? 64 : i == 1 ? 128 : 5000;
      uintptr_t base = qt_map_base (paths[i]);
      int fd = open (paths[i], O_RDONLY);
      ok &= base != 0 && fd >= 0
	&& pread (fd, buf, n, (off_t) ((uintptr_t) b[i] - base)) == (ssize_t) n
	&& qt_check_fill (buf, n, (unsigned long) i + 1);
      if (fd >= 0)
	close (fd);
    }
  CHECK (ok, "D26: after checkpoint, read() of each of the 3 files sees"
	 " the data");
  qalloc_cleanup ();
  CHECK (qt_map_base (p1) == 0 && qt_map_base (p2) == 0
	 && qt_map_base (p3) == 0 && !qt_is_mapped (b[2], 1),
	 "D26: cleanup unmaps all three maps, the new dynamic one included");
  CHECK (qt_count_fds () == fds0, "D26: cleanup closes their files");
  unlink (p1);
  unlink (p2);
  unlink (p3);
  free (p1);
  free (p2);
  free (p3);
}

int
main (int argc, char **argv)
{
  char list[128];
  void *s, *d;
  size_t i;

  if (argc == 3)
    {
      load (argv[2]);
      if (strcmp (argv[1], "d19") == 0)
	mmt_child_exit (child_d19 ());
      if (strcmp (argv[1], "d20") == 0)
	mmt_child_exit (child_d20 ());
      if (strcmp (argv[1], "d21") == 0)
	mmt_child_exit (child_d21 ());
      if (strcmp (argv[1], "d22") == 0)
	mmt_child_exit (child_d22_d23 ());
      mmt_child_exit (2);
    }

  snprintf (sv.spath, sizeof sv.spath, "reload-s-%ld.heap", (long) getpid ());
  snprintf (sv.dpath, sizeof sv.dpath, "reload-d-%ld.heap", (long) getpid ());
  snprintf (list, sizeof list, "reload-%ld.tmp", (long) getpid ());
  unlink (sv.spath);
  unlink (sv.dpath);
  s = qalloc_makestatmap (F, NULL, sv.spath, ITEM, 2);
  d = qalloc_makedynmap (F, NULL, sv.dpath, 2);
  if (s == NULL || d == NULL)
    mmt_fatal ("make: %s", strerror (errno));
  sv.sbase = qt_map_base (sv.spath);
  for (i = 0; i < NLIVE + 10; i++)
    {
      void *p = qalloc_statmalloc (s);
      if (p == NULL)
	mmt_fatal ("statmalloc");
      if (i < NLIVE)
	{
	  sv.item[i] = (uintptr_t) p;
	  qt_fill (p, ITEM, i);
	}
      else
	qalloc_statfree (p, s);	/* free items on a list */
    }
  for (i = 0; i < NDYN; i++)
    {
      sv.blen[i] = blen (i);
      sv.blk[i] = (uintptr_t) qalloc_dynmalloc (d, sv.blen[i]);
      if (sv.blk[i] == 0)
	mmt_fatal ("dynmalloc");
      qt_fill ((void *) sv.blk[i], sv.blen[i], i + 500);
    }
  save (list);
  qalloc_cleanup ();

  CHECK (qt_run_self ("d20", list, NULL) == 0, "D20 process exits 0");
  CHECK (qt_run_self ("d21", list, NULL) == 0, "D21 process exits 0");
  CHECK (qt_run_self ("d22", list, NULL) == 0, "D22/D23 process exits 0");
  CHECK (qt_run_self ("d19", list, NULL) == 0, "D19 process exits 0");
  unlink (sv.spath);
  unlink (sv.dpath);
  unlink (list);

  d24 ();
  d26 ();
  mmt_exit ();
}

/* opts.c -- mmalloc_attach_opts: MMALLOC_EXCL, MMALLOC_RDONLY, capacity,
   streams, the size field and unknown flags.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <mmalloc.h>
#include "attach-util.h"

#define PROG "opts"

static const char *name;

static struct mmalloc_options
opts (unsigned int flags, unsigned int streams, size_t capacity)
{
  struct mmalloc_options o;

  memset (&o, 0, sizeof o);
  o.size = sizeof o;
  o.flags = flags;
  o.streams = streams;
  o.capacity = capacity;
  return o;
}

static void
excl (void)
{
  const char *n = atu_name (PROG, "excl");
  struct mmalloc_options o = opts (MMALLOC_EXCL, 0, 0);
  unsigned char *before;
  size_t len;
  int fd = atu_create (n);
  void *md;

  md = mmalloc_attach_opts (fd, NULL, &o);
  CHECK (md != NULL, "EXCL on an empty file creates a heap");
  CHECK (md != NULL && mmalloc (md, 100) != NULL, "... which allocates");
  if (md != NULL)
    mmalloc_detach (md);
  close (fd);

  before = atu_slurp (n, &len);
  CHECK (len > 0 && memcmp (before, "mmalloc", 8) == 0, "the EXCL heap is in the file");
  fd = atu_open (n, O_RDWR);
  errno = 0;
  md = mmalloc_attach_opts (fd, NULL, &o);
  CHECK (md == NULL && errno == EEXIST,
	 "EXCL on an existing heap file -> NULL, EEXIST (errno %d)", errno);
  close (fd);
  CHECK (atu_same (n, before, len), "the refused heap file is unchanged");
  free (before);

  atu_spit (n, "not a heap, but not empty\n", 26);
  fd = atu_open (n, O_RDWR);
  errno = 0;
  md = mmalloc_attach_opts (fd, NULL, &o);
  CHECK (md == NULL && errno == EEXIST,
	 "EXCL on a non-empty non-heap file -> NULL, EEXIST (errno %d)", errno);
  CHECK (atu_fsize (fd) == 26, "that file is unchanged in size");
  close (fd);
  unlink (n);
}

static int
make_heap (void *arg)
{
  int fd = atu_create (name);
  void *md = mmalloc_attach (fd, NULL);
  char *s;

  (void) arg;
  if (md == NULL)
    return 1;
  s = mmalloc (md, 100);
  strcpy (s, "read me");
  mmalloc_setkey (md, 0, s);
  mmalloc_setkey (md, 7, (void *) 0x4242);
  mmalloc_detach (md);
  close (fd);
  return 0;
}

static void
rdonly (void)
{
  struct mmalloc_options o = opts (MMALLOC_RDONLY, 0, 0);
  unsigned char *before;
  size_t len;
  int fd, st;
  void *md;
  char *s;

  name = atu_name (PROG, "ro");
  st = atu_in_child (make_heap, NULL);
  if (st != 0)
    mmt_fatal ("building the heap failed: %s", atu_status (st));
  before = atu_slurp (name, &len);

  fd = atu_open (name, O_RDONLY);
  md = mmalloc_attach_opts (fd, NULL, &o);
  if (CHECK (md != NULL, "RDONLY attach with an O_RDONLY fd works (errno %d)",
	     md == NULL ? errno : 0))
    {
      CHECK (md == (void *) (uintptr_t) atu_get64 (before, ATU_OFF_BASE),
	     "RDONLY: md is the recorded base");
      s = mmalloc_getkey (md, 0);
      CHECK (s != NULL && strcmp (s, "read me") == 0, "RDONLY: getkey and data work");
      CHECK (mmalloc_getkey (md, 7) == (void *) 0x4242, "RDONLY: key 7 read");
      errno = 0;
      CHECK (mmalloc (md, 10) == NULL && errno == EROFS,
	     "RDONLY: mmalloc -> NULL, EROFS (errno %d)", errno);
      errno = 0;
      CHECK (mcalloc (md, 2, 10) == NULL && errno == EROFS,
	     "RDONLY: mcalloc -> NULL, EROFS");
      CHECK (mmalloc_setkey (md, 1, (void *) 1) == 0, "RDONLY: setkey refused");
      CHECK (mmalloc_check (md) == 0, "RDONLY: mmalloc_check works (0)");
      CHECK (mmalloc_detach (md) == NULL, "RDONLY: detach");
    }
  close (fd);
  CHECK (atu_same (name, before, len), "RDONLY: the file is unchanged");

  /* RDONLY with a read-write fd.  */
  fd = atu_open (name, O_RDWR);
  md = mmalloc_attach_opts (fd, NULL, &o);
  CHECK (md != NULL && mmalloc (md, 10) == NULL && errno == EROFS,
	 "RDONLY with an O_RDWR fd attaches read-only");
  if (md != NULL)
    mmalloc_detach (md);
  close (fd);
  CHECK (atu_same (name, before, len), "RDONLY with O_RDWR: the file is unchanged");
  free (before);

  /* RDONLY on an empty file, and without a file.  */
  fd = atu_create (name);
  errno = 0;
  md = mmalloc_attach_opts (fd, NULL, &o);
  CHECK (md == NULL && errno == EINVAL,
	 "RDONLY on an empty file -> NULL, EINVAL (errno %d)", errno);
  CHECK (atu_fsize (fd) == 0, "RDONLY: the empty file stays empty");
  close (fd);
  errno = 0;
  CHECK (mmalloc_attach_opts (-1, NULL, &o) == NULL && errno == EINVAL,
	 "RDONLY with fd -1 -> NULL, EINVAL");
  unlink (name);
}

/* Allocate from MD until it fails; returns the bytes obtained.  Blocks
   of mixed sizes, written to.  */
static size_t
fill (void *md, int *last_errno)
{
  size_t total = 0, sizes[] = { 100000, 3000, 40000, 17, 200, 65536 };
  int i, misses = 0;

  for (i = 0; misses < 20 && i < 100000; i++)
    {
      size_t n = sizes[i % 6];
      char *p = mmalloc (md, n);
      if (p == NULL)
	{
	  *last_errno = errno;
	  misses++;
	  continue;
	}
      memset (p, 0xab, n);
      total += n;
    }
  return total;
}

static int
capacity_reattach (void *arg)
{
  int fd = atu_open (name, O_RDWR);
  struct mmalloc_options o = opts (0, 0, 64 * ATU_MIB);
  void *md = mmalloc_attach_opts (fd, NULL, &o);
  int e = 0;
  unsigned char hdr[64];

  (void) arg;
  if (!CHECK (md != NULL, "capacity, child: re-attach (asking for 64 MiB)"))
    return 1;
  CHECK (pread (fd, hdr, sizeof hdr, 0) == (ssize_t) sizeof hdr
	 && atu_get64 (hdr, ATU_OFF_CAPACITY) == ATU_MIB,
	 "capacity, child: the recorded capacity is still 1 MiB");
  fill (md, &e);
  CHECK (e == ENOMEM, "capacity, child: allocation fails with ENOMEM at the limit");
  CHECK (atu_fsize (fd) <= (off_t) ATU_MIB,
	 "capacity, child: file size %lld <= 1 MiB", (long long) atu_fsize (fd));
  CHECK (mmalloc_check (md) == 0, "capacity, child: mmalloc_check passes");
  mmalloc_detach (md);
  close (fd);
  return 0;
}

static void
capacity (void)
{
  struct mmalloc_options o = opts (0, 0, ATU_MIB);
  unsigned char hdr[64];
  size_t total;
  int fd, e = 0, st;
  void *md;
  char *p;

  name = atu_name (PROG, "cap");
  fd = atu_create (name);
  md = mmalloc_attach_opts (fd, NULL, &o);
  if (!CHECK (md != NULL, "capacity 1 MiB: attach"))
    return;
  CHECK (pread (fd, hdr, sizeof hdr, 0) == (ssize_t) sizeof hdr
	 && atu_get64 (hdr, ATU_OFF_CAPACITY) == ATU_MIB,
	 "capacity 1 MiB: recorded in the header");
  total = fill (md, &e);
  CHECK (e == ENOMEM, "capacity 1 MiB: allocations fail with ENOMEM at the limit "
	 "(errno %d)", e);
  CHECK (total > ATU_MIB / 2 && total <= ATU_MIB,
	 "capacity 1 MiB: %zu bytes were allocated before the limit", total);
  CHECK (atu_fsize (fd) <= (off_t) ATU_MIB,
	 "capacity 1 MiB: file size %lld <= capacity", (long long) atu_fsize (fd));
  errno = 0;
  p = mmalloc (md, 2 * ATU_MIB);
  CHECK (p == NULL && errno == ENOMEM, "capacity 1 MiB: a 2 MiB block -> ENOMEM");
  CHECK (mmalloc_check (md) == 0, "capacity 1 MiB: mmalloc_check passes");
  CHECK (mmalloc_detach (md) == NULL, "capacity 1 MiB: detach");
  close (fd);
  st = atu_in_child (capacity_reattach, NULL);
  CHECK (st == 0, "capacity: the re-attaching child ended cleanly (%s)",
	 atu_status (st));
  unlink (name);

  /* An anonymous heap with a capacity.  */
  md = mmalloc_attach_opts (-1, NULL, &o);
  if (CHECK (md != NULL, "anonymous heap of capacity 1 MiB"))
    {
      e = 0;
      total = fill (md, &e);
      CHECK (e == ENOMEM && total <= ATU_MIB,
	     "anonymous, capacity 1 MiB: %zu bytes, then ENOMEM", total);
      CHECK (mmalloc_check (md) == 0, "anonymous, capacity 1 MiB: sound");
      mmalloc_detach (md);
    }

  /* A capacity too small for the metadata.  */
  o = opts (0, 0, 4096);
  errno = 0;
  CHECK (mmalloc_attach_opts (-1, NULL, &o) == NULL && errno == EINVAL,
	 "capacity 4096 (below the metadata) -> NULL, EINVAL");
}

static void
bad_options (void)
{
  struct mmalloc_options o;
  const char *n = atu_name (PROG, "bad");
  int fd = atu_create (n);
  void *md;
  unsigned int s;

  o = opts (0, 65, 0);
  errno = 0;
  CHECK (mmalloc_attach_opts (fd, NULL, &o) == NULL && errno == EINVAL,
	 "streams 65 -> NULL, EINVAL");
  o = opts (0, 1000, 0);
  errno = 0;
  CHECK (mmalloc_attach_opts (-1, NULL, &o) == NULL && errno == EINVAL,
	 "streams 1000 (anonymous) -> NULL, EINVAL");
  o = opts (0, 0, 0);
  o.size = sizeof o - sizeof o.capacity;
  errno = 0;
  CHECK (mmalloc_attach_opts (fd, NULL, &o) == NULL && errno == EINVAL,
	 "opts->size without the capacity field -> NULL, EINVAL");
  o.size = 0;
  errno = 0;
  CHECK (mmalloc_attach_opts (fd, NULL, &o) == NULL && errno == EINVAL,
	 "opts->size 0 -> NULL, EINVAL");
  o = opts (0x80, 0, 0);
  errno = 0;
  CHECK (mmalloc_attach_opts (fd, NULL, &o) == NULL && errno == EINVAL,
	 "unknown flag 0x80 -> NULL, EINVAL");
  o = opts (0x80000000u, 0, 0);
  errno = 0;
  CHECK (mmalloc_attach_opts (-1, NULL, &o) == NULL && errno == EINVAL,
	 "unknown flag 0x80000000 -> NULL, EINVAL");
  CHECK (atu_fsize (fd) == 0, "refused options wrote nothing to the file");

  /* Valid stream counts are recorded.  */
  for (s = 1; s <= 64; s += 63)
    {
      unsigned char hdr[128];
      o = opts (0, s, 0);
      if (ftruncate (fd, 0) != 0)
	mmt_fatal ("ftruncate: %s", strerror (errno));
      md = mmalloc_attach_opts (fd, NULL, &o);
      CHECK (md != NULL && pread (fd, hdr, sizeof hdr, 0) == (ssize_t) sizeof hdr
	     && atu_get32 (hdr, ATU_OFF_STREAMS) == s,
	     "streams %u accepted and recorded", s);
      if (md != NULL)
	mmalloc_detach (md);
    }
  /* NULL options are the defaults.  */
  if (ftruncate (fd, 0) != 0)
    mmt_fatal ("ftruncate: %s", strerror (errno));
  md = mmalloc_attach_opts (fd, NULL, NULL);
  CHECK (md != NULL && mmalloc (md, 5000) != NULL, "NULL options: a usable heap");
  if (md != NULL)
    mmalloc_detach (md);
  close (fd);
  unlink (n);
}

int
main (void)
{
  excl ();
  rdonly ();
  capacity ();
  bad_options ();
  mmt_exit ();
}

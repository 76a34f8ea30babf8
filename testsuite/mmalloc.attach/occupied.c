/* occupied.c -- placement never clobbers (gnu-mmalloc.md section 7,
   scenario 9, as decided in DESIGN.md): attaching at an occupied range
   fails with EEXIST and leaves the existing mapping intact, for an
   anonymous heap, a new file heap and a heap file whose recorded base
   is taken; a heap placed just below another mapping grows up to it
   and then fails with ENOMEM, the neighbour untouched.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <mmalloc.h>
#include "attach-util.h"

#define PROG "occupied"

static const char *name;
static void *B;

/* Map LEN bytes read-write at WANT (anywhere when NULL) and fill them
   with a pattern.  */
static unsigned char *
occupy (void *want, size_t len, unsigned char seed)
{
  unsigned char *p = mmap (want, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS
			   | (want != NULL ? MAP_FIXED_NOREPLACE : 0), -1, 0);
  size_t i;

  if (p == MAP_FAILED || (want != NULL && p != want))
    mmt_fatal ("cannot map %zu bytes at %p: %s", len, want, strerror (errno));
  for (i = 0; i < len; i++)
    p[i] = (unsigned char) (seed + i * 31 + (i >> 12));
  return p;
}

static int
intact (const unsigned char *p, size_t len, unsigned char seed)
{
  size_t i;

  for (i = 0; i < len; i++)
    if (p[i] != (unsigned char) (seed + i * 31 + (i >> 12)))
      return 0;
  return 1;
}

static void
new_heaps_on_taken_range (void)
{
  size_t len = ATU_MIB;
  unsigned char *x = occupy (NULL, len, 1);
  const char *fname = atu_name (PROG, "new");
  int fd = atu_create (fname);
  void *md;

  errno = 0;
  md = mmalloc_attach (-1, x);
  CHECK (md == NULL && errno == EEXIST,
	 "attach (-1, taken address) -> NULL, EEXIST (errno %d)", errno);
  CHECK (intact (x, len, 1), "the mapping at that address is intact (anonymous)");

  errno = 0;
  md = mmalloc_attach (fd, x);
  CHECK (md == NULL && errno == EEXIST,
	 "attach (empty file, taken address) -> NULL, EEXIST (errno %d)", errno);
  CHECK (intact (x, len, 1), "the mapping is intact (new file heap)");
  CHECK (atu_fsize (fd) == 0, "the empty file stays empty");

  /* The middle of the mapping, too.  */
  errno = 0;
  md = mmalloc_attach (-1, x + len / 2);
  CHECK (md == NULL && errno == EEXIST,
	 "attach (-1, middle of a mapping) -> NULL, EEXIST");
  CHECK (intact (x, len, 1), "the mapping is intact (middle)");
  CHECK (mmalloc_attach (fd, x + len / 2) == NULL && errno == EEXIST
	 && atu_fsize (fd) == 0,
	 "attach (empty file, middle of a mapping) -> NULL, EEXIST, file empty");
  munmap (x, len);
  close (fd);
  unlink (fname);
}

static int
make_file (void *arg)
{
  int fd = atu_create (name);
  void *md = mmalloc_attach (fd, B);
  char *p;

  (void) arg;
  if (md != B)
    return 1;
  p = mmalloc (md, 200000);
  if (p == NULL)
    return 2;
  strcpy (p, "file data");
  mmalloc_setkey (md, 0, p);
  if (mmalloc_detach (md) != NULL)
    return 3;
  close (fd);
  return 0;
}

static void
recorded_base_taken (void)
{
  size_t len, flen, ps = atu_pagesize ();
  unsigned char *before, *x;
  uint64_t mapped;
  int fd, st;
  void *md;

  st = atu_in_child (make_file, NULL);
  if (st != 0)
    mmt_fatal ("building the heap file failed: %s", atu_status (st));
  before = atu_slurp (name, &flen);
  mapped = atu_get64 (before, ATU_OFF_MAPPED);

  /* Taken at the base itself.  */
  len = 64 * 1024;
  x = occupy (B, len, 7);
  fd = atu_open (name, O_RDWR);
  errno = 0;
  md = mmalloc_attach (fd, NULL);
  CHECK (md == NULL && errno == EEXIST,
	 "file whose recorded base is taken -> NULL, EEXIST (errno %d)", errno);
  CHECK (intact (x, len, 7), "the mapping at the recorded base is intact");
  errno = 0;
  md = mmalloc_attach (fd, (char *) B + ((size_t) 1 << 36));
  CHECK (md == NULL && errno == EEXIST,
	 "... also when another base is asked for (EEXIST)");
  CHECK (atu_same (name, before, flen), "the heap file is unchanged");
  munmap (x, len);

  /* Taken inside the file's range.  */
  x = occupy ((char *) B + 16 * ps, ps, 9);
  errno = 0;
  md = mmalloc_attach (fd, NULL);
  CHECK (md == NULL && errno == EEXIST,
	 "file whose range is partly taken -> NULL, EEXIST (errno %d)", errno);
  CHECK (intact (x, ps, 9), "the mapping inside the range is intact");
  CHECK (atu_same (name, before, flen), "the heap file is still unchanged");
  munmap (x, ps);

  /* Taken just past the file's mapped size: the attach may succeed,
     but growth stops at the neighbour.  */
  len = ATU_MIB;
  x = occupy ((char *) B + mapped + 4 * ATU_MIB, len, 11);
  md = mmalloc_attach (fd, NULL);
  if (CHECK (md == B, "file with a mapping above its mapped size attaches at B"))
    {
      char *p;
      int n = 0, inside = 1;
      CHECK (strcmp (mmalloc_getkey (md, 0), "file data") == 0, "its data is intact");
      errno = 0;
      while ((p = mmalloc (md, 256 * 1024)) != NULL && n < 200)
	{
	  if (p + 256 * 1024 > (char *) x && p < (char *) x + len)
	    inside = 0;
	  memset (p, 0xee, 256 * 1024);
	  n++;
	}
      CHECK (p == NULL && errno == ENOMEM,
	     "growth into the neighbour fails with ENOMEM after %d blocks (errno %d)",
	     n, errno);
      CHECK (inside, "no block overlaps the neighbour");
      CHECK (intact (x, len, 11), "the neighbour above the heap is intact");
      CHECK (mmalloc_check (md) == 0, "the heap is sound after the refused growth");
      CHECK (mmalloc_errno (md) != 0, "mmalloc_errno reports the failed mapping (%d)",
	     mmalloc_errno (md));
      CHECK (mmalloc_detach (md) == NULL, "detach");
      CHECK (intact (x, len, 11), "the neighbour is intact after detach");
    }
  munmap (x, len);
  close (fd);
  free (before);
}

/* An anonymous heap placed just below a mapping grows up to it.  */
static void
anon_growth_stops (void)
{
  size_t span = 64 * ATU_MIB, len = ATU_MIB;
  char *r = mmap (NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  unsigned char *x;
  char *p;
  void *md;
  int n = 0, inside = 1;

  if (r == MAP_FAILED)
    mmt_fatal ("mmap: %s", strerror (errno));
  munmap (r, span);
  x = occupy (r + 32 * ATU_MIB, len, 13);
  md = mmalloc_attach (-1, r);
  if (!CHECK (md == r, "anonymous heap 32 MiB below a mapping attaches there"))
    return;
  errno = 0;
  while ((p = mmalloc (md, 1000000)) != NULL && n < 100)
    {
      if (p < r || p + 1000000 > (char *) x)
	inside = 0;
      memset (p, 0x77, 1000000);
      n++;
    }
  CHECK (p == NULL && errno == ENOMEM,
	 "anonymous growth stops at the neighbour with ENOMEM after %d MB", n);
  CHECK (n >= 20, "the heap used most of the 32 MiB below the neighbour");
  CHECK (inside, "every block lies below the neighbour");
  CHECK (intact (x, len, 13), "the neighbour is intact");
  CHECK (mmalloc_check (md) == 0, "the anonymous heap is sound");
  CHECK (mmalloc_detach (md) == NULL, "detach");
  CHECK (intact (x, len, 13), "the neighbour is intact after detach");
  munmap (x, len);
}

int
main (void)
{
  name = atu_name (PROG, "heap");
  B = mmalloc_findbase (20 * 1024 * 1024);
  if (B == NULL)
    mmt_fatal ("findbase: %s", strerror (errno));
  new_heaps_on_taken_range ();
  recorded_base_taken ();
  anon_growth_stops ();
  unlink (name);
  mmt_exit ();
}

/* maps.c -- growing an anonymous heap to 1 GiB leaves every other
   mapping of the process alone (gnu-mmalloc.md section 7, scenario 9:
   "attach (-1, NULL) growth never damages other mappings").
   Usage: maps [anon]
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.

   /proc/self/maps is read (with read(2) into static buffers, so that
   the test itself maps nothing in between) before the heap is
   attached, after attaching (for the log), and after the heap grew to 1 GiB in
   blocks of 1 to 16 MiB (one byte written per page).  Every line of
   the first snapshot must still be in the last one, with the same
   start, end, permissions, offset and path; the lines that appeared
   lie inside the heap's own range (from md), but for the heap's page
   map, which ends where the heap begins; and the program's code and
   data still work.  After the detach, the maps are those from before
   the attach.  */

#include "config.h"

#include "alloc-common.h"

#define MiB ((size_t) 1 << 20)
#define MAXLINES 4096
#define MAPSBUF (1 << 20)

struct map
{
  uintptr_t start, end;
  char rest[200];		/* permissions, offset, device, inode, path */
};

struct snapshot
{
  size_t n;
  struct map m[MAXLINES];
  char buf[MAPSBUF];
};

static struct snapshot before, attached, after;

/* Read /proc/self/maps into S without allocating.  */
static void
snap (struct snapshot *s)
{
  int fd = open ("/proc/self/maps", O_RDONLY);
  size_t len = 0;
  ssize_t got;
  char *line, *end;

  if (fd < 0)
    mmt_fatal ("open /proc/self/maps: %s", strerror (errno));
  while ((got = read (fd, s->buf + len, MAPSBUF - 1 - len)) > 0)
    len += (size_t) got;
  close (fd);
  s->buf[len] = '\0';
  s->n = 0;
  for (line = s->buf; *line != '\0' && s->n < MAXLINES; line = end + 1)
    {
      struct map *m = &s->m[s->n];
      char *p;
      size_t k;
      end = strchr (line, '\n');
      if (end == NULL)
	end = line + strlen (line);
      m->start = (uintptr_t) strtoull (line, &p, 16);
      m->end = (uintptr_t) strtoull (p + 1, &p, 16);
      while (*p == ' ')
	p++;
      /* Keep the rest, with runs of spaces squeezed.  */
      for (k = 0; p < end && k < sizeof m->rest - 1; p++)
	if (!(*p == ' ' && k > 0 && m->rest[k - 1] == ' '))
	  m->rest[k++] = *p;
      m->rest[k] = '\0';
      s->n++;
      if (*end == '\0')
	break;
    }
}

static int
same (const struct map *a, const struct map *b)
{
  return a->start == b->start && a->end == b->end
    && strcmp (a->rest, b->rest) == 0;
}

static int
present (const struct snapshot *s, const struct map *m)
{
  size_t i;

  for (i = 0; i < s->n; i++)
    if (same (&s->m[i], m))
      return 1;
  return 0;
}

static int data_word = 12345;

static uint64_t
checksum (const unsigned char *p, size_t n)
{
  uint64_t h = 1469598103934665603ull;
  size_t i;

  for (i = 0; i < n; i++)
    h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

int
main (int argc, char **argv)
{
  void *md;
  enum { MAXBLK = 1100 };
  static char *blk[MAXBLK];
  static size_t bsz[MAXBLK];
  size_t nblk = 0, total = 0, i, missing = 0, strays = 0;
  int stop;
  uint64_t sum0;
  uintptr_t lo, hi;

  (void) argc;
  (void) argv;
  mma_pattern_init ();		/* the C library's malloc, before the snapshots */
  mmt_note ("growing an anonymous heap to 1 GiB");
  /* The engine maps its table of heaps at the first attach; let that
     happen before the first snapshot (a new anonymous mapping next to
     an old one could be merged with it by the kernel, which would look
     like a change of the old one).  */
  md = mmalloc_attach (-1, NULL);
  if (md == NULL || mmalloc_detach (md) != NULL)
    mmt_fatal ("warm-up attach/detach: %s", strerror (errno));
  sum0 = checksum (mma_ref, MMA_PATTERN_MAX);
  snap (&before);
  md = mmalloc_attach (-1, NULL);
  if (md == NULL)
    mmt_fatal ("mmalloc_attach (-1, NULL): %s", strerror (errno));
  snap (&attached);

  while (total < 1024 * MiB && nblk < MAXBLK)
    {
      size_t n = mma_range (1, 16) * MiB - mma_range (0, 4096);
      char *p = mmalloc (md, n);
      size_t off;
      if (p == NULL)
	break;
      for (off = 0; off < n - 1; off += 4096)
	p[off] = (char) (nblk + off / 4096);
      p[n - 1] = (char) nblk;
      blk[nblk] = p;
      bsz[nblk] = n;
      nblk++;
      total += n;
    }
  stop = errno;
  snap (&after);
  mma_why ("%zu bytes in %zu blocks, errno %s", total, nblk,
	   strerror (stop));
  if (sizeof (void *) >= 8 || total >= 1024 * MiB)
    CHECKW (total >= 1024 * MiB, "the anonymous heap grew to 1 GiB");
  else
    {
      /* A 32-bit host has no room for that: the engine reserves 256
	 MiB ahead there, and the kernel puts the reservation right
	 below the mappings made before it, so the heap meets one of
	 them (and must stop with ENOMEM) well before 1 GiB.  What
	 follows holds all the same, and means more: the heap grew
	 into a neighbour.  */
      mmt_unsupported ("the anonymous heap grew to 1 GiB (32-bit host: "
		       "its reservation ends at another mapping)");
      CHECKW (stop == ENOMEM && total >= 128 * MiB, "32-bit host: the "
	      "anonymous heap grew past 128 MiB, then stopped with ENOMEM");
    }

  /* The heap's range: from md to the end of the highest block.  */
  lo = (uintptr_t) md;
  hi = lo;
  for (i = 0; i < nblk; i++)
    if ((uintptr_t) blk[i] + bsz[i] > hi)
      hi = (uintptr_t) blk[i] + bsz[i];

  for (i = 0; i < before.n; i++)
    if (!present (&after, &before.m[i]))
      {
	if (missing++ < 10)
	  mmt_note ("mapping lost or changed: %lx-%lx %s",
		    (unsigned long) before.m[i].start,
		    (unsigned long) before.m[i].end, before.m[i].rest);
      }
  mma_why ("%zu of %zu lines", missing, before.n);
  CHECKW (missing == 0, "every mapping from before the attach is still there, "
	  "unchanged");
  /* What the attach itself mapped.  */
  for (i = 0; i < attached.n; i++)
    if (!present (&before, &attached.m[i]))
      mmt_note ("the attach mapped %lx-%lx %s",
		(unsigned long) attached.m[i].start,
		(unsigned long) attached.m[i].end, attached.m[i].rest);
  /* New lines are the heap's: they start at or after md, or are its
     page map, one line of its own that ends where the heap begins; and
     none overlaps a mapping from before.  */
  for (i = 0; i < after.n; i++)
    if (!present (&before, &after.m[i]))
      {
	size_t k;
	if (after.m[i].start < lo && after.m[i].end != lo)
	  strays++;
	for (k = 0; k < before.n; k++)
	  if (after.m[i].start < before.m[k].end
	      && before.m[k].start < after.m[i].end)
	    strays++;
	if (strays != 0 && strays < 5)
	  mmt_note ("new mapping %lx-%lx %s", (unsigned long) after.m[i].start,
		    (unsigned long) after.m[i].end, after.m[i].rest);
      }
  CHECK (strays == 0, "every new mapping lies in the heap's range and "
	 "overlaps no old mapping");

  /* The blocks hold what was written, and the process still runs.  */
  {
    size_t bad = 0, off;
    for (i = 0; i < nblk; i++)
      {
	for (off = 0; off < bsz[i] - 1; off += 4096)
	  if (blk[i][off] != (char) (i + off / 4096))
	    bad++;
	if (blk[i][bsz[i] - 1] != (char) i)
	  bad++;
      }
    mma_why ("%zu bytes wrong", bad);
    CHECKW (bad == 0, "every page of the 1 GiB of blocks holds its byte");
  }
  CHECK (data_word == 12345 && strlen ("libc still works") == 16,
	 "the program's data and the C library are intact");
  CHECK (checksum (mma_ref, MMA_PATTERN_MAX) == sum0,
	 "a 4 MiB buffer of the C library's malloc is intact");
  mma_check_heap (md, "after growing to 1 GiB");
  for (i = 0; i < nblk; i++)
    mfree (md, blk[i]);
  mma_check_heap (md, "after freeing the 1 GiB");
  CHECK (mmalloc_detach (md) == NULL, "mmalloc_detach returns NULL");
  {
    static struct snapshot end;
    snap (&end);
    missing = strays = 0;
    for (i = 0; i < before.n; i++)
      if (!present (&end, &before.m[i]))
	{
	  if (missing++ < 5)
	    mmt_note ("gone after the detach: %lx-%lx %s",
		      (unsigned long) before.m[i].start,
		      (unsigned long) before.m[i].end, before.m[i].rest);
	}
    for (i = 0; i < end.n; i++)
      if (!present (&before, &end.m[i])
	  && ((end.m[i].start >= lo && end.m[i].start < hi)
	      || end.m[i].end == lo))
	{
	  if (strays++ < 5)
	    mmt_note ("left after the detach: %lx-%lx %s",
		      (unsigned long) end.m[i].start,
		      (unsigned long) end.m[i].end, end.m[i].rest);
	}
    CHECK (missing == 0 && strays == 0, "after mmalloc_detach the maps are "
	   "those from before the attach");
  }
  mmt_exit ();
}

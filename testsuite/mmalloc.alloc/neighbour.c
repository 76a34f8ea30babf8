/* neighbour.c -- a heap growing into another mapping stops with ENOMEM
   and leaves the mapping intact (DESIGN.md "placement never clobbers";
   gnu-mmalloc.md section 7, scenario 9).
   Usage: neighbour [anon]
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.

   1. An anonymous heap at a base B from mmalloc_findbase; then our own
      mapping at B + 64 MiB with MAP_FIXED_NOREPLACE.  The engine
      reserves address space ahead, so that fails with EEXIST: then the
      mapping goes right after the heap's reservation (read from
      /proc/self/maps).  The heap grows (1 GiB blocks, then 64 MiB, then
      1 MiB) until an allocation fails: errno ENOMEM, every block below
      the mapping, the mapping's contents and its /proc/self/maps line
      unchanged, mmalloc_check 0; the same after freeing and detaching.
   2. The same with the mapping placed at B + 64 MiB before the attach
      (the reservation is then short): the heap stops below 64 MiB.
   3. As 2, with a heap file.  */

#include "config.h"

#include <sys/mman.h>

#include "alloc-common.h"

#ifndef MAP_FIXED_NOREPLACE
# define MAP_FIXED_NOREPLACE 0x100000
#endif

#define MiB ((size_t) 1 << 20)
#define GiB ((size_t) 1 << 30)
#define NEIGH (2 * MiB)
#define MAXBLK 20000

static char *blk[MAXBLK];
static size_t bsz[MAXBLK];
static char mapsbuf[1 << 20];

/* Read /proc/self/maps into mapsbuf.  */
static void
read_maps (void)
{
  int fd = open ("/proc/self/maps", O_RDONLY);
  size_t len = 0;
  ssize_t got;

  mapsbuf[0] = '\0';
  if (fd < 0)
    return;
  while ((got = read (fd, mapsbuf + len, sizeof mapsbuf - 1 - len)) > 0)
    len += (size_t) got;
  close (fd);
  mapsbuf[len] = '\0';
}

/* The /proc/self/maps line that starts at ADDR, copied into OUT.  */
static int
maps_line (uintptr_t addr, char *out, size_t outlen)
{
  char *line;

  read_maps ();
  for (line = mapsbuf; *line != '\0';)
    {
      char *end = strchr (line, '\n');
      size_t n = end ? (size_t) (end - line) : strlen (line);
      if ((uintptr_t) strtoull (line, NULL, 16) == addr)
	{
	  if (n >= outlen)
	    n = outlen - 1;
	  memcpy (out, line, n);
	  out[n] = '\0';
	  return 1;
	}
      if (end == NULL)
	break;
      line = end + 1;
    }
  out[0] = '\0';
  return 0;
}

/* The end of the run of contiguous anonymous mappings that starts at
   BASE (the heap's reservation), or 0.  */
static uintptr_t
reservation_end (uintptr_t base)
{
  char *line;
  uintptr_t end = 0;

  read_maps ();
  for (line = mapsbuf; *line != '\0';)
    {
      char *nl = strchr (line, '\n'), *p;
      uintptr_t s = (uintptr_t) strtoull (line, &p, 16);
      uintptr_t e = (uintptr_t) strtoull (p + 1, &p, 16);
      /* Fields: perms offset dev inode [path].  */
      char perms[8], dev[16];
      unsigned long long off, inode;
      int pathpos = 0;
      if (sscanf (p, " %7s %llx %15s %llu%n", perms, &off, dev, &inode,
		  &pathpos) >= 4)
	{
	  char *q = p + pathpos;
	  int anon;
	  while (*q == ' ' || *q == '\t')
	    q++;
	  anon = inode == 0 && (*q == '\n' || *q == '\0');
	  if (s == base && anon)
	    end = e;
	  else if (end != 0 && s == end && anon)
	    end = e;
	}
      if (nl == NULL)
	break;
      line = nl + 1;
    }
  return end;
}

static void
fill_neighbour (char *n)
{
  mma_fill (n, NEIGH, 2024);
}

/* Grow heap MD until allocation fails; then check everything against
   the neighbour mapping N.  WHAT names the case.  */
static void
grow_into (void *md, char *n, const char *what, size_t first_step)
{
  static const size_t steps[] = { GiB, 64 * MiB, MiB };
  size_t nb = 0, k, total = 0, bad = 0;
  int e = 0;
  char line0[300], line1[300];

  maps_line ((uintptr_t) n, line0, sizeof line0);
  for (k = 0; k < sizeof steps / sizeof steps[0]; k++)
    {
      if (steps[k] > first_step)
	continue;
      for (;;)
	{
	  char *p;
	  if (nb == MAXBLK)
	    mmt_fatal ("%s: more than %d blocks", what, MAXBLK);
	  errno = 0;
	  p = mmalloc (md, steps[k]);
	  if (p == NULL)
	    {
	      e = errno;
	      break;
	    }
	  p[0] = 'a';
	  p[steps[k] - 1] = 'z';
	  blk[nb] = p;
	  bsz[nb] = steps[k];
	  nb++;
	  total += steps[k];
	}
    }
  mmt_note ("%s: heap at %p grew by %zu MiB in %zu blocks before failing "
	    "(%s); neighbour at %p; mmalloc_errno %d", what, md, total / MiB,
	    nb, strerror (e), (void *) n, mmalloc_errno (md));
  mma_why ("errno %s", strerror (e));
  CHECKW (e == ENOMEM, "%s: growth into the neighbour fails with ENOMEM",
	  what);
  for (k = 0; k < nb; k++)
    if (!(blk[k] + bsz[k] <= n || blk[k] >= n + NEIGH)
	|| blk[k][0] != 'a' || blk[k][bsz[k] - 1] != 'z')
      bad++;
  mma_why ("%zu bad blocks", bad);
  CHECKW (bad == 0, "%s: no block overlaps the neighbour; all hold their "
	  "bytes", what);
  CHECK (mma_verify (n, NEIGH, 2024), "%s: the neighbour's contents are "
	 "intact", what);
  maps_line ((uintptr_t) n, line1, sizeof line1);
  mma_why ("before '%s', after '%s'", line0, line1);
  CHECKW (line0[0] != '\0' && strcmp (line0, line1) == 0,
	  "%s: the neighbour's /proc/self/maps line is unchanged", what);
  mma_check_heap (md, what[0] == '1' ? "after growing into the neighbour (1)"
		  : what[0] == '2' ? "after growing into the neighbour (2)"
		  : "after growing into the neighbour (3)");
  {
    /* The heap still works where it has room.  */
    void *q;
    mfree (md, blk[nb - 1]);
    q = mmalloc (md, 1000);
    CHECK (q != NULL, "%s: the heap still serves blocks after the failure",
	   what);
    mfree (md, q);
    nb--;
  }
  for (k = 0; k < nb; k++)
    mfree (md, blk[k]);
  mma_check_heap (md, what[0] == '1' ? "after freeing (1)"
		  : what[0] == '2' ? "after freeing (2)" : "after freeing (3)");
  CHECK (mmalloc_detach (md) == NULL, "%s: mmalloc_detach returns NULL",
	 what);
  CHECK (mma_verify (n, NEIGH, 2024), "%s: the neighbour is intact after the "
	 "detach", what);
  maps_line ((uintptr_t) n, line1, sizeof line1);
  CHECK (strcmp (line0, line1) == 0, "%s: the neighbour's maps line is "
	 "unchanged after the detach", what);
}

static char *
map_at (uintptr_t addr)
{
  void *p = mmap ((void *) addr, NEIGH, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

  if (p == MAP_FAILED)
    return NULL;
  if ((uintptr_t) p != addr)
    {
      munmap (p, NEIGH);	/* a kernel that took it as a hint */
      errno = EEXIST;
      return NULL;
    }
  return p;
}

/* Case 1 at base B; FIRST tells the first try.  Returns 0 when the
   neighbour could not be placed (the heap is detached again).  */
static int
case1 (char *b, int first)
{
  char *n;
  void *md;
  uintptr_t end;

  md = mmalloc_attach (-1, b);
  mma_why ("md %p, base %p, errno %s", md, (void *) b, strerror (errno));
  if (!CHECKW (md == b, first ? "1: mmalloc_attach (-1, B) at a findbase "
	       "address gives md == B" : "1: mmalloc_attach (-1, B) at a free "
	       "address gives md == B"))
    return 1;
  {
    void *p = mmalloc (md, 100);
    mfree (md, p);
  }
  n = map_at ((uintptr_t) b + 64 * MiB);
  if (n != NULL)
    mmt_note ("1: the engine reserved less than 64 MiB ahead: neighbour "
	      "at B + 64 MiB");
  else
    {
      mmt_note ("1: B + 64 MiB is taken (%s): the engine reserved ahead",
		strerror (errno));
      end = reservation_end ((uintptr_t) b);
      if (end == 0)
	{
	  read_maps ();
	  fputs (mapsbuf, stdout);
	  mmt_fatal ("1: the heap's reservation is not in /proc/self/maps");
	}
      mmt_note ("1: the heap's reservation ends at B + %llu MiB",
		(unsigned long long) ((end - (uintptr_t) b) / MiB));
      n = map_at (end);
      if (n == NULL)
	{
	  mmt_note ("1: cannot map right after the heap's reservation (%s)",
		    strerror (errno));
	  if (mmalloc_detach (md) != NULL)
	    mmt_fatal ("mmalloc_detach failed");
	  return 0;
	}
    }
  fill_neighbour (n);
  grow_into (md, n, "1 (anonymous, neighbour after the reservation)", GiB);
  munmap (n, NEIGH);
  return 1;
}

int
main (int argc, char **argv)
{
  (void) argc;
  (void) argv;
  mma_pattern_init ();

  /* 1: the neighbour after the heap's reservation.  First at the
     address mmalloc_findbase gives; when something else already lies
     right after the reservation there (the kernel hands out address
     space top-down, so it often does), at the bottom of a free area
     of 130 GiB found with mmap.  */
  {
    int done = 0;
    char *b = mmalloc_findbase (64 * (int) MiB);
    if (b == NULL)
      mmt_fatal ("mmalloc_findbase: %s", strerror (errno));
    done = case1 (b, 1);
    if (!done)
      {
	size_t len = (size_t) 130 << 30;
	void *r = mmap (NULL, len, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
	  mmt_fatal ("mmap of 130 GiB of address space: %s", strerror (errno));
	munmap (r, len);
	b = (char *) (((uintptr_t) r + (1 << 24) - 1) & ~(uintptr_t) ((1 << 24) - 1));
	mmt_note ("1: trying again at the bottom of a free area, %p",
		  (void *) b);
	done = case1 (b, 0);
      }
    if (!done)
      mmt_unsupported ("1: cannot map right after the heap's reservation");
  }

  /* 2: the neighbour mapped before the attach.  */
  {
    char *b = mmalloc_findbase (64 * (int) MiB), *n;
    void *md;
    if (b == NULL)
      mmt_fatal ("mmalloc_findbase: %s", strerror (errno));
    n = map_at ((uintptr_t) b + 64 * MiB);
    if (n == NULL)
      mmt_fatal ("2: mapping at B + 64 MiB: %s", strerror (errno));
    fill_neighbour (n);
    md = mmalloc_attach (-1, b);
    mma_why ("md %p, errno %s", md, strerror (errno));
    if (CHECKW (md == b, "2: mmalloc_attach (-1, B) with a mapping at B + "
		"64 MiB gives md == B"))
      grow_into (md, n, "2 (anonymous, neighbour at B + 64 MiB)", 64 * MiB);
    munmap (n, NEIGH);
  }

  /* 3: the same with a heap file.  */
  {
    char *b = mmalloc_findbase (64 * (int) MiB), *n;
    void *md;
    char path[64];
    int fd;
    snprintf (path, sizeof path, "neighbour-%ld.heap", (long) getpid ());
    fd = open (path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || b == NULL)
      mmt_fatal ("3: open/findbase: %s", strerror (errno));
    n = map_at ((uintptr_t) b + 64 * MiB);
    if (n == NULL)
      mmt_fatal ("3: mapping at B + 64 MiB: %s", strerror (errno));
    fill_neighbour (n);
    md = mmalloc_attach (fd, b);
    mma_why ("md %p, errno %s", md, strerror (errno));
    if (CHECKW (md == b, "3: mmalloc_attach (fd, B) with a mapping at B + "
		"64 MiB gives md == B"))
      {
	struct stat st;
	grow_into (md, n, "3 (file, neighbour at B + 64 MiB)", 64 * MiB);
	fstat (fd, &st);
	mma_why ("file size %lld", (long long) st.st_size);
	CHECKW ((size_t) st.st_size <= 64 * MiB, "3: the heap file stayed "
		"within the room the heap had");
      }
    munmap (n, NEIGH);
    close (fd);
    unlink (path);
  }
  mmt_exit ();
}

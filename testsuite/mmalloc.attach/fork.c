/* fork.c -- a private anonymous heap (fd < 0) and fork (gnu-mmalloc.md
   section 7, scenarios 4 and 24): md == B, allocation works, what a
   forked child writes or allocates is not visible to the parent, and
   attach and detach leave no file descriptor behind.  Then a heap the
   library placed (it has a page map): a child frees half of the
   parent's small blocks and allocates more, and both copies stay sound.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <dirent.h>
#include <mmalloc.h>
#include "attach-util.h"

#define PROG "fork"

static void *md;
static char *shared_block;

static int
count_fds (void)
{
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *e;
  int n = 0;

  if (d == NULL)
    return -1;
  while ((e = readdir (d)) != NULL)
    if (e->d_name[0] != '.')
      n++;
  closedir (d);
  return n;
}

static int
child (void *arg)
{
  int i, ok = 1;
  char *p;

  (void) arg;
  /* The child sees the parent's data as of the fork.  */
  for (i = 0; ok && i < 4096; i++)
    ok = shared_block[i] == 'P';
  CHECK (ok, "child: sees the parent's data from before the fork");
  memset (shared_block, 'C', 4096);
  for (i = 0; i < 100; i++)
    {
      p = mmalloc (md, 1000 + (size_t) i * 100);
      if (p == NULL)
	return 1;
      memset (p, 'C', 1000 + (size_t) i * 100);
    }
  mfree (md, mmalloc_getkey (md, 1));
  CHECK (mmalloc_setkey (md, 0, (void *) 0xc0ffee), "child: setkey");
  CHECK (mmalloc_check (md) == 0, "child: its copy of the heap is sound");
  return 0;
}

/* An anonymous heap the library placed has a page map (pagemap.c),
   which the child gets a copy of with the heap.  */
static char *small[1000];

static int
child_small (void *arg)
{
  int i;

  (void) arg;
  for (i = 0; i < 1000; i += 2)
    mfree (md, small[i]);
  for (i = 0; i < 3000; i++)
    if (mmalloc (md, 16 + (size_t) (i % 64) * 16) == NULL)
      return 1;
  CHECK (mmalloc_check (md) == 0, "child: its copy of the heap and of its "
	 "page map is sound after freeing the parent's small blocks");
  return 0;
}

static void
placed_heap (void)
{
  int i, st, ok = 1;

  md = mmalloc_attach (-1, NULL);
  if (!CHECK (md != NULL, "attach (-1, NULL)"))
    return;
  for (i = 0; i < 1000; i++)
    if ((small[i] = mmalloc (md, 64)) != NULL)
      memset (small[i], 'P', 64);
    else
      ok = 0;
  CHECK (ok, "1000 small blocks in a heap the library placed");
  st = atu_in_child (child_small, NULL);
  CHECK (st == 0, "the child freed half of them and allocated more (%s)",
	 atu_status (st));
  for (i = 0; ok && i < 64000; i++)
    ok = small[i / 64][i % 64] == 'P';
  CHECK (ok, "the parent's small blocks are intact");
  CHECK (mmalloc_check (md) == 0, "the parent's heap and page map are sound");
  for (i = 0; i < 1000; i++)
    mfree (md, small[i]);
  CHECK (mmalloc_check (md) == 0 && mmstats (md).chunks_used == 0,
	 "the parent frees its blocks (%zu in use)", mmstats (md).chunks_used);
  CHECK (mmalloc_detach (md) == NULL, "detach the placed heap");
}

int
main (void)
{
  void *B = mmalloc_findbase (20 * 1024 * 1024);
  struct mstats s0, s1;
  int fds0, fds1, st, i, ok;
  char *other;

  fds0 = count_fds ();
  md = mmalloc_attach (-1, B);
  if (!CHECK (md == B && B != NULL, "attach (-1, B) gives md == B"))
    mmt_fatal ("cannot go on: %s", strerror (errno));
  CHECK ((atu_get32 (md, ATU_OFF_FLAGS) & 1) != 0,
	 "the header marks the heap anonymous");
  shared_block = mmalloc (md, 4096);
  other = mmalloc (md, 50000);
  CHECK (shared_block != NULL && other != NULL, "allocation in the anonymous heap");
  memset (shared_block, 'P', 4096);
  memset (other, 'O', 50000);
  mmalloc_setkey (md, 0, shared_block);
  mmalloc_setkey (md, 1, other);
  s0 = mmstats (md);

  st = atu_in_child (child, NULL);
  CHECK (st == 0, "the child ended cleanly (%s)", atu_status (st));

  ok = 1;
  for (i = 0; ok && i < 4096; i++)
    ok = shared_block[i] == 'P';
  CHECK (ok, "the child's writes are not visible to the parent");
  ok = 1;
  for (i = 0; ok && i < 50000; i++)
    ok = other[i] == 'O';
  CHECK (ok, "the block the child freed is intact in the parent");
  CHECK (mmalloc_getkey (md, 0) == shared_block && mmalloc_getkey (md, 1) == other,
	 "the child's key changes are not visible to the parent");
  s1 = mmstats (md);
  CHECK (s1.chunks_used == s0.chunks_used && s1.bytes_used == s0.bytes_used
	 && s1.bytes_total == s0.bytes_total,
	 "the parent's statistics are unchanged by the child's allocations");
  CHECK (mmalloc_check (md) == 0, "the parent's heap is sound");
  CHECK (mmalloc (md, 100) != NULL, "the parent allocates after the fork");
  CHECK (mmalloc_detach (md) == NULL, "detach");
  CHECK (atu_maps_overlap (B, 4096) == 0, "the anonymous region is unmapped");
  fds1 = count_fds ();
  CHECK (fds0 >= 0 && fds1 == fds0,
	 "attach and detach of the anonymous heap leave no fd open (%d -> %d)",
	 fds0, fds1);
  placed_heap ();
  mmt_exit ();
}

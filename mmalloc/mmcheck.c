/* mmcheck.c -- per-block consistency checks: mmcheck, mmcheckf, mmprobe.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* With checking on, every block gets a 16-byte head (its size and a
   magic word) and a trailing guard byte.  mfree and mrealloc verify
   both, and call the heap's abort function on an overrun, an underrun, a
   double free or a pointer that is not a block; a double free or a
   foreign pointer is then left alone, so the heap stays sound even when
   the abort function returns.

   A freed small block is filled with MM_FREE_FILL past its head, and
   its head says it is free; a write into it after it was freed shows
   as a changed byte, reported by mmalloc_check and, at the latest, when
   the block is handed out again.  (Large blocks give their pages back
   and are not watched.)

   GNU's rules are kept: mmcheckf is refused once the heap has served an
   allocation, unless forced, because blocks allocated earlier have no
   head.  Ours are told apart instead of misreported: checked blocks live
   in runs (and large blocks) marked MM_F_CHECKED, with size classes of
   their own, so a forced mmcheckf never mistakes an older block for a
   corrupt one.  The setting is in the heap, so it survives re-attaching
   a heap file; the abort function is the process's and goes back to
   abort at each attach.  */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "mmprivate.h"

#define MM_MAGIC_LIVE	0xfedabeebu
#define MM_MAGIC_FREE	0xdeadbeefu
#define MM_MAGIC_FENCE	0x5ca1ab1eu
#define MM_GUARD	0xd7
#define MM_FREE_FILL	0xdf	/* the bytes of a freed small block */

/* The head of a checked block.  16 bytes, keeping 16-byte alignment;
   its last word, just below the block, catches underruns.  */
struct mm_check_head
{
  uint64_t size;		/* bytes the program asked for */
  uint32_t magic;		/* MM_MAGIC_LIVE or MM_MAGIC_FREE */
  uint32_t fence;		/* MM_MAGIC_FENCE */
};

#define HEAD_SIZE sizeof (struct mm_check_head)

/* Heads and guards lie outside the blocks memcheck is told of, and
   freed blocks' are undefined to it; their bytes are the engine's all
   the same.  So they are read quietly, and what is read is declared
   defined.  */
static inline struct mm_check_head
copy_head (const struct mm_check_head *head)
{
  struct mm_check_head c;

  MMI_VG_QUIET_BEGIN ();
  memcpy (&c, head, sizeof c);
  MMI_VG_DEFINED (&c, sizeof c);
  MMI_VG_QUIET_END ();
  return c;
}

/* Whether the small slot SLOT (SIZE bytes) is intact: not a freed
   checked block, or one whose fill nobody has changed since.  */
int
mmi_checked_slot_intact (const char *slot, size_t size)
{
  const struct mm_check_head *head = (const struct mm_check_head *) slot;
  size_t i;
  int ok = 1;

  MMI_VG_QUIET_BEGIN ();
  if (head->magic == MM_MAGIC_FREE && head->fence == MM_MAGIC_FENCE)
    for (i = HEAD_SIZE; i < size; i++)
      if ((unsigned char) slot[i] != MM_FREE_FILL)
	{
	  ok = 0;
	  break;
	}
  MMI_VG_DEFINED (&ok, sizeof ok);
  MMI_VG_QUIET_END ();
  return ok;
}

static void
botch (struct mm_heap *h)
{
  void (*f) (void) = h->abortfunc;

  if (f != NULL)
    f ();
  else
    abort ();
}

/* The greatest common divisor of N (not 0) and 16.  */
static size_t
gcd16 (size_t n)
{
  size_t g = 16;

  while (n % g != 0)
    g /= 2;
  return g;
}

/* A checked block of SIZE bytes (aligned to ALIGN when it is above
   16) from locked heap H.  */
void *
mmi_checked_alloc (struct mm_heap *h, size_t size, size_t align)
{
  struct mm_check_head *head;
  size_t total;
  char *p, *start;

  if (__builtin_add_overflow (size, HEAD_SIZE + 1, &total))
    {
      errno = ENOMEM;
      return NULL;
    }
  /* Checked blocks are 16-aligned (classify relies on it), so a block
     aligned to ALIGN is aligned to the least common multiple of ALIGN
     and 16; when that is more than a page, the head cannot be fitted
     in the first page of the run, and the block is an unchecked one,
     which mfree recognises by its run.  */
  if (align < 16)
    align = (align & (align - 1)) == 0 ? 16 : align * (16 / gcd16 (align));
  else if (align % 16 != 0)
    align = align > MM_PAGE ? align : align * (16 / gcd16 (align));
  if (align > MM_PAGE)
    return mmi_aligned_alloc (h, align, size);

  if (align == 16 && total <= MM_SMALL_MAX)
    {
      unsigned int c = mmi_class_of (total);
      int fromlist = 0;
      start = mmi_small_alloc_from (h, c, MM_F_CHECKED, &fromlist);
      /* Written after it was freed: say so now, and hand it out.  Only
	 a slot from the free list was freed as a block of this run;
	 never-used slots may hold stale bytes of earlier runs.  */
      if (start != NULL && fromlist
	  && !mmi_checked_slot_intact (start, mmi_class_size[c]))
	botch (h);
    }
  else
    {
      /* A page run with the block's head just below the first ALIGN
	 boundary past its first 16 bytes: LEAD bytes in, less than
	 ALIGN (at most a page), which mfree reads from the run.  */
      size_t lead;
      if (__builtin_add_overflow (total, align - HEAD_SIZE, &total))
	{
	  errno = ENOMEM;
	  return NULL;
	}
      p = mmi_large_alloc (h, total, 0, NULL);
      if (p == NULL)
	return NULL;
      lead = (align - ((uintptr_t) p + HEAD_SIZE) % align) % align;
      {
	struct mm_page *d = mmi_desc (h, mmi_page_of (h, p));
	MMI_W (h, d->nused, (uint32_t) lead);
	MMI_W (h, d->flags, d->flags | MM_F_CHECKED);
      }
      start = p + lead;
    }
  if (start == NULL)
    return NULL;
  /* The head and guard may land in memory memcheck saw freed.  */
  MMI_VG_UNDEFINED (start, HEAD_SIZE + size + 1);
  head = (struct mm_check_head *) start;
  MMI_W (h, head->size, size);
  MMI_W (h, head->magic, MM_MAGIC_LIVE);
  MMI_W (h, head->fence, MM_MAGIC_FENCE);
  p = start + HEAD_SIZE;
  p[size] = (char) MM_GUARD;
  return p;
}

/* What P is in checked heap H: 1 a checked block (*HEADP its head),
   2 a freed checked large block, 0 a block from before checking began,
   -1 not a block.  */
static int
classify (struct mm_heap *h, void *p, struct mm_check_head **headp)
{
  uint32_t page, hpage = 0;
  struct mm_page *d, *hd;
  char *hp;

  /* Integer arithmetic: P may be any value, null included.  Checked
     blocks are 16-byte aligned; a pointer that is not has no head to
     look at (an unchecked block of an odd alignment, or no block at
     all).  */
  hp = (char *) (uintptr_t) ((uintptr_t) p - HEAD_SIZE);
  if (p == NULL || (uintptr_t) p % HEAD_SIZE != 0)
    {
      d = mmi_block_of (h, p, &page);
      return d != NULL && !(d->flags & MM_F_CHECKED) ? 0 : -1;
    }
  /* P is a checked block when a checked block starts 16 bytes before it
     in the same run (checked objects are never 16 bytes long, so P is
     then no block start of its own).  */
  hd = mmi_block_of (h, hp, &hpage);
  d = mmi_block_of (h, p, &page);
  if (hd != NULL && (hd->flags & MM_F_CHECKED)
      && (d == NULL || page == hpage))
    {
      *headp = (struct mm_check_head *) hp;
      return 1;
    }
  if (d != NULL && !(d->flags & MM_F_CHECKED))
    return 0;
  /* A checked large block, freed: its pages make a free run now, and
     its head (unless the pages went back to the system) says so.  */
  hd = mmi_run_of (h, hp, &hpage);
  if (hd != NULL && hd->kind == MM_K_FREE
      && copy_head ((struct mm_check_head *) hp).magic == MM_MAGIC_FREE)
    {
      *headp = (struct mm_check_head *) hp;
      return 2;
    }
  return -1;
}

/* The state of checked block HEAD.  */
static enum mmprobe_status
probe_head (struct mm_heap *h, struct mm_check_head *head)
{
  uint32_t page;
  struct mm_page *d = mmi_block_of (h, head, &page);
  size_t room = mmi_block_size (h, d) - HEAD_SIZE;
  struct mm_check_head c = copy_head (head);
  unsigned char guard;

  if (c.magic == MM_MAGIC_FREE)
    return MMPROBE_FREE;
  if (c.magic != MM_MAGIC_LIVE || c.fence != MM_MAGIC_FENCE
      || c.size >= room)
    return MMPROBE_HEAD;
  MMI_VG_QUIET_BEGIN ();
  guard = (unsigned char) ((char *) (head + 1))[c.size];
  MMI_VG_DEFINED (&guard, sizeof guard);
  MMI_VG_QUIET_END ();
  if (guard != MM_GUARD)
    return MMPROBE_TAIL;
  return MMPROBE_OK;
}

/* Free the checked block whose head is HEAD, already verified.  */
static void
release (struct mm_heap *h, struct mm_check_head *head)
{
  uint32_t page;
  struct mm_page *d = mmi_block_of (h, head, &page);

  if (d != NULL && d->kind == MM_K_SMALL)
    {
      /* Not journaled: the block's contents are the program's, and it
	 has given them up.  */
      MMI_VG_QUIET_BEGIN ();
      memset ((char *) head + HEAD_SIZE, MM_FREE_FILL,
	      mmi_class_size[d->cls] - HEAD_SIZE);
      MMI_VG_QUIET_END ();
    }
  MMI_W (h, head->magic, MM_MAGIC_FREE);
  mmi_free (h, head);
}

/* Free P in checked heap H.  0, or -1 after calling the abort function
   (the block is freed anyway when only its guard was overwritten).  */
int
mmi_checked_free (struct mm_heap *h, void *p)
{
  struct mm_check_head *head;

  switch (classify (h, p, &head))
    {
    case 0:
      MMI_VG_RELEASE (p);
      return mmi_free (h, p);
    case 1:
      {
	enum mmprobe_status st = probe_head (h, head);
	if (st == MMPROBE_TAIL)
	  botch (h);
	else if (st != MMPROBE_OK)
	  {
	    /* A double free or a wrecked head: freeing again would
	       corrupt the heap.  */
	    botch (h);
	    errno = EINVAL;
	    return -1;
	  }
	MMI_VG_FREE (p);
	release (h, head);
	return 0;
      }
    default:
      /* Not a block, or a large block freed already.  */
      botch (h);
      errno = EINVAL;
      return -1;
    }
}

/* Resize P in checked heap H: always to a new checked block, so that
   the old one is verified and its guard moves with the new size.  */
void *
mmi_checked_realloc (struct mm_heap *h, void *p, size_t size)
{
  struct mm_check_head *head = NULL;
  size_t old;
  uint32_t page;
  void *q;

  switch (classify (h, p, &head))
    {
    case 1:
      if (probe_head (h, head) != MMPROBE_OK)
	{
	  botch (h);
	  if (copy_head (head).magic != MM_MAGIC_LIVE)
	    {
	      errno = EINVAL;
	      return NULL;
	    }
	}
      old = (size_t) copy_head (head).size;
      {
	/* A wrecked size field never makes the copy leave the block.  */
	struct mm_page *d = mmi_block_of (h, head, &page);
	size_t room = mmi_block_size (h, d) - HEAD_SIZE;
	if (old >= room)
	  old = room - 1;
      }
      break;
    case 0:
      old = mmi_block_size (h, mmi_block_of (h, p, &page));
      head = NULL;
      break;
    default:
      botch (h);
      errno = EINVAL;
      return NULL;
    }
  q = mmi_checked_alloc (h, size, 0);
  if (q == NULL)
    return NULL;
  mmi_move_block (q, p, old < size ? old : size, size);
  /* Verified above (and reported once): free it without a second
     check.  */
  if (head != NULL)
    release (h, head);
  else
    mmi_free (h, p);
  return q;
}

/* Usable bytes of P in checked heap H: what was asked for, so that a
   program using all of it never trips the guard.  */
size_t
mmi_checked_size (struct mm_heap *h, void *p)
{
  struct mm_check_head *head;
  uint32_t page;

  switch (classify (h, p, &head))
    {
    case 1:
      {
	struct mm_check_head c = copy_head (head);
	return c.magic == MM_MAGIC_LIVE ? (size_t) c.size : 0;
      }
    case 0:
      return mmi_block_size (h, mmi_block_of (h, p, &page));
    default:
      return 0;
    }
}

int
mmcheckf (void *md, void (*abortfunc) (void), int force)
{
  struct mm_heap *h = mmi_heap_of (md);
  struct mm_header *hdr;
  int on = 0;

  if (h == NULL)
    return 0;
  h->abortfunc = abortfunc;
  if (!mmi_writable (h) || mmi_lock (h) != 0)
    return (h->hdr->flags & MM_H_CHECKED) != 0;
  hdr = h->hdr;
  if (force || !(hdr->flags & MM_H_USED) || (hdr->flags & MM_H_CHECKED))
    {
      MMI_W (h, hdr->flags, hdr->flags | MM_H_CHECKED);
      on = 1;
      mmi_tc_disable (h);	/* every operation must be seen */
    }
  mmi_unlock (h);
  return on;
}

int
mmcheck (void *md, void (*abortfunc) (void))
{
  return mmcheckf (md, abortfunc, 0);
}

enum mmprobe_status
mmprobe (void *md, void *ptr)
{
  struct mm_heap *h = mmi_heap_of (md);
  struct mm_check_head *head;
  enum mmprobe_status st;
  int locked;

  if (h == NULL || !(h->hdr->flags & MM_H_CHECKED))
    return MMPROBE_DISABLED;
  locked = !h->rdonly && mmi_lock (h) == 0;
  switch (classify (h, ptr, &head))
    {
    case 1:
      st = probe_head (h, head);
      break;
    case 2:
      st = MMPROBE_FREE;
      break;
    case 0:
      st = MMPROBE_OK;
      break;
    default:
      st = MMPROBE_HEAD;
      break;
    }
  if (locked)
    mmi_unlock (h);
  return st;
}

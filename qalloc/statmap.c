/* statmap.c -- static maps: items of one size, per-stream free lists.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* A static map's control block and item area are one heap block.  The
   item size is rounded up to a multiple of the pointer size (so a free
   item can hold its list link, and every item is pointer-aligned); the
   area holds FILESIZE / ITEMSIZE items and starts 64-aligned.

   Items never handed out are not on any list: the bump index counts
   how many have been, and is advanced with compare-and-swap, so a new
   map costs nothing per item.  A freed item goes on the LIFO list of the
   freeing thread's stream, its first word linking to the next.
   Allocation takes from the thread's own stream, then from the bump
   index, then from every other stream, and fails only when all are
   empty: the result never depends on how threads map to streams.

   The lists are in a shared file, so every link read from one is
   checked (inside the area, on an item boundary, below the bump index)
   before it is followed; a bad link ends the list.  Updates are ordered
   so that a process killed under the lock leaves each list whole: at
   worst one item is lost, never a list half linked.  */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "qprivate.h"

/* The stream S of M.  */
static struct qp_stream *
stream (const struct qp_map *m, unsigned int s)
{
  return (struct qp_stream *) ((char *) m->ctl + QP_CTL_HEAD
			       + (size_t) s * QP_STREAM_SIZE);
}

int
qp_static_layout (struct qp_layout *l, off_t filesize, size_t itemsize,
		  size_t streams)
{
  size_t f, s, area, pages, cap;

  if (filesize <= 0 || itemsize == 0 || streams == 0
      || streams > QP_MAX_STREAMS || (uintmax_t) filesize > SIZE_MAX / 2)
    goto inval;
  f = (size_t) filesize;
  if (itemsize > f)
    goto inval;			/* no room for a single item */
  s = (itemsize + sizeof (void *) - 1) & ~(sizeof (void *) - 1);
  l->kind = QP_STATIC;
  l->streams = (unsigned int) streams;
  l->filesize = (uint64_t) filesize;
  l->itemsize = s;
  l->count = f / s;
  if (l->count == 0)
    goto inval;
  l->ctl_size = QP_CTL_HEAD + streams * QP_STREAM_SIZE;
  area = l->count * s;		/* <= f: no overflow */
  l->block = l->ctl_size + area;
  if (l->block < area || l->block > SIZE_MAX - QP_ENGINE_SEG)
    goto inval;

  /* The heap's capacity: its metadata, then the one block.  */
  pages = (l->block + QP_ENGINE_PAGE - 1) / QP_ENGINE_PAGE;
  if (l->block <= QP_ENGINE_SMALL_MAX)
    pages = QP_ENGINE_META_PAGES + QP_ENGINE_RUN_PAGES;
  else if (pages <= QP_ENGINE_DATA_PAGES)
    pages += QP_ENGINE_META_PAGES;
  else				/* a huge block: whole segments */
    pages = (pages + QP_ENGINE_META_PAGES + QP_ENGINE_SEG_PAGES - 1)
      / QP_ENGINE_SEG_PAGES * QP_ENGINE_SEG_PAGES;
  if (pages > SIZE_MAX / QP_ENGINE_PAGE)
    goto inval;
  cap = pages * QP_ENGINE_PAGE;
  l->capacity = cap;
  return 0;

 inval:
  errno = EINVAL;
  return -1;
}

/* Fill in the control block CTL (in a heap block of at least L->block
   bytes) of a new static map.  0, or -1 with errno set.  */
int
qp_static_format (struct qp_ctl *ctl, const struct qp_layout *l)
{
  unsigned int i;
  int rc;

  memset (ctl, 0, l->ctl_size);
  ctl->version = QP_VERSION;
  ctl->kind = QP_STATIC;
  ctl->ctl_size = (uint32_t) l->ctl_size;
  ctl->streams = l->streams;
  ctl->word_size = (uint16_t) sizeof (void *);
  ctl->mutex_size = (uint16_t) sizeof (pthread_mutex_t);
  ctl->filesize = l->filesize;
  ctl->itemsize = l->itemsize;
  ctl->count = l->count;
  ctl->bump = 0;
  ctl->items = (uint64_t) (uintptr_t) ((char *) ctl + l->ctl_size);
  for (i = 0; i < l->streams; i++)
    {
      struct qp_stream *st = (struct qp_stream *) ((char *) ctl + QP_CTL_HEAD
						   + i * QP_STREAM_SIZE);
      if ((rc = qp_mutex_init (&st->lock)) != 0)
	{
	  errno = rc;
	  return -1;
	}
      st->head = NULL;
    }
  /* The magic last: a block without it is never taken for a map.  */
  __atomic_thread_fence (__ATOMIC_RELEASE);
  memcpy (ctl->magic, QP_MAGIC, QP_MAGIC_SIZE);
  return 0;
}

/* Check the control block of static map M (its CTL, which lies in a
   heap block of USABLE bytes) and copy what the bounds checks need
   into M.  0, or -1 with errno EINVAL.  */
int
qp_static_open (struct qp_map *m, size_t usable)
{
  const struct qp_ctl *ctl = m->ctl;
  size_t ctl_size, s, n;

  if (ctl->streams == 0 || ctl->streams > QP_MAX_STREAMS)
    goto inval;
  ctl_size = QP_CTL_HEAD + ctl->streams * QP_STREAM_SIZE;
  if (ctl->ctl_size != ctl_size
      || ctl->itemsize == 0 || ctl->itemsize % sizeof (void *) != 0
      || (uint64_t) (size_t) ctl->itemsize != ctl->itemsize
      || ctl->count == 0
      || ctl->filesize == 0 || ctl->filesize > SIZE_MAX / 2
      || ctl->filesize / ctl->itemsize != ctl->count
      || ctl->items != (uint64_t) (uintptr_t) ((char *) ctl + ctl_size))
    goto inval;
  s = (size_t) ctl->itemsize;
  n = (size_t) ctl->count;
  if (usable < ctl_size || (usable - ctl_size) / s < n)
    goto inval;
  m->streams = ctl->streams;
  m->filesize = (off_t) ctl->filesize;
  m->items = (char *) ctl + ctl_size;
  m->itemsize = s;
  m->count = n;
  return 0;

 inval:
  errno = EINVAL;
  return -1;
}

/* Whether P may be a handed-out item of M: on an item boundary of the
   area, below the bump index.  */
static int
item_ok (const struct qp_map *m, const void *p)
{
  uintptr_t off = (uintptr_t) p - (uintptr_t) m->items;
  size_t idx;

  if ((uintptr_t) p < (uintptr_t) m->items || off % m->itemsize != 0)
    return 0;
  idx = off / m->itemsize;
  return idx < m->count
    && idx < __atomic_load_n (&m->ctl->bump, __ATOMIC_ACQUIRE);
}

/* Pop the first free item of stream S of M, or NULL.  */
static void *
pop (const struct qp_map *m, unsigned int s)
{
  struct qp_stream *st = stream (m, s);
  void *p, *next;

  if (qp_mutex_lock (&st->lock) != 0)
    return NULL;
  p = st->head;
  if (p != NULL && !item_ok (m, p))
    p = st->head = NULL;	/* a bad head: drop the list */
  if (p != NULL)
    {
      memcpy (&next, p, sizeof next);
      if (next != NULL && !item_ok (m, next))
	next = NULL;		/* a bad link: the list ends here */
      st->head = next;		/* one store: P is popped, or not */
    }
  qp_mutex_unlock (&st->lock);
  return p;
}

/* Take a never-used item of M, or NULL.  */
static void *
bump (const struct qp_map *m)
{
  uint64_t b = __atomic_load_n (&m->ctl->bump, __ATOMIC_RELAXED);

  while (b < m->count)
    if (__atomic_compare_exchange_n (&m->ctl->bump, &b, b + 1, 1,
				     __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
      return m->items + (size_t) b * m->itemsize;
  return NULL;
}

void *
qalloc_statmalloc (mapinfo_t *map)
{
  const struct qp_map *m = (const struct qp_map *) map;
  unsigned int s, i;
  void *p;

  if (m == NULL || m->kind != QP_STATIC)
    {
      errno = EINVAL;
      return NULL;
    }
  s = qp_thread_stream (m->streams);
  if ((p = pop (m, s)) != NULL || (p = bump (m)) != NULL)
    return p;
  for (i = 1; i < m->streams; i++)
    if ((p = pop (m, (s + i) % m->streams)) != NULL)
      return p;
  errno = ENOMEM;
  return NULL;
}

void
qalloc_statfree (void *block, mapinfo_t *map)
{
  const struct qp_map *m = (const struct qp_map *) map;
  struct qp_stream *st;
  int rc;

  if (block == NULL)
    return;
  if (m == NULL || m->kind != QP_STATIC || !item_ok (m, block))
    {
      errno = EINVAL;
      return;
    }
  st = stream (m, qp_thread_stream (m->streams));
  if ((rc = qp_mutex_lock (&st->lock)) != 0)
    {
      errno = rc;		/* the item is lost, the list is whole */
      return;
    }
  /* Link first, publish second: a crash between leaves the list as it
     was.  */
  memcpy (block, &st->head, sizeof st->head);
  st->head = block;
  qp_mutex_unlock (&st->lock);
}

/* Make the stream locks of static map M anew (no other process has the
   map).  0, or -1 with errno set.  */
int
qp_static_relock (struct qp_map *m)
{
  unsigned int i;
  int rc;

  for (i = 0; i < m->streams; i++)
    {
      struct qp_stream *st = (struct qp_stream *) ((char *) m->ctl
						   + QP_CTL_HEAD
						   + i * QP_STREAM_SIZE);
      if ((rc = qp_mutex_init (&st->lock)) != 0)
	{
	  errno = rc;
	  return -1;
	}
    }
  return 0;
}

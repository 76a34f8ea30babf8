/* dynmap.c -- dynamic maps: blocks of any size.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* A dynamic map is a heap whose capacity holds FILESIZE bytes of
   requests: the engine rounds a request up by at most 25 % (beyond the
   smallest sizes) and keeps 35 pages of metadata per 16 MiB segment, so
   the capacity is FILESIZE * 5/4 plus that metadata and a few partly
   used runs.  Requests go straight to the engine, which has its own
   process-shared robust locks and stripes them over the map's streams.
   Blocks are aligned on 16 bytes.  The control block only records the
   map's parameters.  */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "qprivate.h"

/* Partly used runs the capacity allows for: the control block's run
   and a few size classes in use at once.  */
#define SLACK_RUNS	4

int
qp_dynamic_layout (struct qp_layout *l, off_t filesize, size_t streams)
{
  size_t f, pages;

  if (filesize <= 0 || streams == 0 || streams > QP_MAX_STREAMS
      || (uintmax_t) filesize > SIZE_MAX / 2)
    goto inval;
  f = (size_t) filesize;
  l->kind = QP_DYNAMIC;
  l->streams = (unsigned int) streams;
  l->filesize = (uint64_t) filesize;
  l->itemsize = 0;
  l->count = 0;
  l->ctl_size = QP_CTL_HEAD;
  l->block = QP_CTL_HEAD;
  /* F * 5/4 in pages, without overflow.  */
  pages = f / QP_ENGINE_PAGE + 1;
  pages += pages / 4 + 1;
  pages += SLACK_RUNS * QP_ENGINE_RUN_PAGES;
  if (qp_region_size (pages, &l->capacity) != 0)
    goto inval;
  return 0;

 inval:
  errno = EINVAL;
  return -1;
}

int
qp_dynamic_format (struct qp_ctl *ctl, const struct qp_layout *l)
{
  memset (ctl, 0, l->ctl_size);
  ctl->version = QP_VERSION;
  ctl->kind = QP_DYNAMIC;
  ctl->ctl_size = (uint32_t) l->ctl_size;
  ctl->streams = l->streams;
  ctl->word_size = (uint16_t) sizeof (void *);
  ctl->mutex_size = (uint16_t) sizeof (pthread_mutex_t);
  ctl->filesize = l->filesize;
  __atomic_thread_fence (__ATOMIC_RELEASE);
  memcpy (ctl->magic, QP_MAGIC, QP_MAGIC_SIZE);
  return 0;
}

int
qp_dynamic_open (struct qp_map *m, size_t usable)
{
  const struct qp_ctl *ctl = m->ctl;

  if (ctl->streams == 0 || ctl->streams > QP_MAX_STREAMS
      || ctl->ctl_size != QP_CTL_HEAD || usable < QP_CTL_HEAD
      || ctl->filesize == 0 || ctl->filesize > SIZE_MAX / 2)
    {
      errno = EINVAL;
      return -1;
    }
  m->streams = ctl->streams;
  m->filesize = (off_t) ctl->filesize;
  return 0;
}

void *
qalloc_dynmalloc (dynmapinfo_t *map, size_t size)
{
  const struct qp_map *m = (const struct qp_map *) map;

  if (m == NULL || m->kind != QP_DYNAMIC)
    {
      errno = EINVAL;
      return NULL;
    }
  if (size == 0)
    return NULL;		/* as mmalloc: errno untouched */
  return mmalloc (m->md, size);
}

void
qalloc_dynfree (void *block, dynmapinfo_t *map)
{
  const struct qp_map *m = (const struct qp_map *) map;

  if (block == NULL)
    return;
  if (m == NULL || m->kind != QP_DYNAMIC || block == (void *) m->ctl)
    {
      errno = EINVAL;
      return;
    }
  mfree (m->md, block);
}

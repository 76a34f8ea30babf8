/* maps.c -- the process's maps: make, load, checkpoint, cleanup.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* Every loaded map has a descriptor in process memory, on one list
   protected by a mutex; a file is loaded at most once per process (a
   second make or load of the same file, by any name, returns the same
   descriptor).  A map file is an mmalloc heap file whose application
   key 0 holds the facade's control block.

   Creating and loading hold an exclusive lock on the file (an
   open-file-description lock where the system has them), so when
   several processes open the same new file at once exactly one formats
   it and the others load what it made; the heap itself is created with
   MMALLOC_EXCL.  The control block is published through key 0 only
   when complete, so a file whose creator died half-way is refused
   (EINVAL), never taken for a map.

   A map always loads at the address recorded in its file.  The engine
   never replaces an existing mapping: a new map whose ADDR is taken,
   or a file whose recorded address is, fails with EEXIST.  */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qprivate.h"

static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct qp_map *maps;	/* every loaded map */
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

/* A fork while another thread holds the list lock must not leave the
   child with a lock nobody will release.  */
static void
fork_prepare (void)
{
  pthread_mutex_lock (&list_lock);
}

static void
fork_done (void)
{
  pthread_mutex_unlock (&list_lock);
}

static void
register_fork_handlers (void)
{
  pthread_atfork (fork_prepare, fork_done, fork_done);
}

static void
lock_list (void)
{
  pthread_once (&fork_once, register_fork_handlers);
  pthread_mutex_lock (&list_lock);
}

static void
unlock_list (void)
{
  pthread_mutex_unlock (&list_lock);
}

/* The size of a heap region holding DATA_PAGES pages of data in runs of
   at most QP_ENGINE_RUN_PAGES pages: runs do not cross segments, so
   each segment can waste the last few pages of its data.  0, or -1
   on overflow.  */
int
qp_region_size (size_t data_pages, size_t *bytes)
{
  size_t per_seg = QP_ENGINE_DATA_PAGES - (QP_ENGINE_RUN_PAGES - 1);
  size_t nseg = (data_pages + per_seg - 1) / per_seg, pages;

  if (nseg == 0)
    nseg = 1;
  pages = data_pages + nseg * (QP_ENGINE_META_PAGES + QP_ENGINE_RUN_PAGES);
  if (pages < data_pages || pages > SIZE_MAX / QP_ENGINE_PAGE)
    return -1;
  *bytes = pages * QP_ENGINE_PAGE;
  return 0;
}

/* Take (TYPE F_WRLCK) or release (F_UNLCK) the qalloc lock of file
   FD: byte 2 of the file, so that it never meets the byte the engine
   locks to show a process is attached (byte 1; see the engine's
   journal.c).  0, or -1 with errno set.  */
#define QP_LOCK_BYTE 2
static int
lock_file (int fd, short type)
{
  struct flock fl;

  memset (&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = QP_LOCK_BYTE;
  fl.l_len = 1;
#ifdef F_OFD_SETLKW
  while (fcntl (fd, F_OFD_SETLKW, &fl) != 0)
    if (errno != EINTR)
      {
	if (errno != EINVAL)
	  return -1;
	goto classic;		/* a kernel without OFD locks */
      }
  return 0;
 classic:
  memset (&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = QP_LOCK_BYTE;
  fl.l_len = 1;
#endif
  while (fcntl (fd, F_SETLKW, &fl) != 0)
    if (errno != EINTR)
      return -1;
  return 0;
}

/* The loaded map of file DEV/INO, or NULL.  The list is locked.  */
static struct qp_map *
find_map (dev_t dev, ino_t ino)
{
  struct qp_map *m;

  for (m = maps; m != NULL; m = m->next)
    if (m->dev == dev && m->ino == ino)
      return m;
  return NULL;
}

/* Whether map M is what a make*map call with layout L and ADDR asks
   for (the item size is not compared: see qalloc_makestatmap(3)).  */
static int
map_matches (const struct qp_map *m, const struct qp_layout *l, void *addr)
{
  return m->kind == l->kind && (uint64_t) m->filesize == l->filesize
    && m->streams == l->streams && (addr == NULL || addr == m->md);
}

/* Create the heap of a new map in the empty file FD, at ADDR, as L
   says; fill in M.  0, or -1 with errno set (the heap may then be
   attached: M->md).  */
static int
create_map (struct qp_map *m, int fd, void *addr, const struct qp_layout *l)
{
  struct mmalloc_options o;
  struct qp_ctl *ctl;
  int rc;

  memset (&o, 0, sizeof o);
  o.size = sizeof o;
  o.flags = MMALLOC_EXCL;
  o.streams = l->streams;
  o.capacity = l->capacity;
  m->md = mmalloc_attach_opts (fd, addr, &o);
  if (m->md == NULL)
    return -1;
  ctl = mmalloc (m->md, l->block);
  if (ctl == NULL)
    return -1;
  m->ctl = ctl;
  m->kind = l->kind;
  if (l->kind == QP_STATIC)
    rc = qp_static_format (ctl, l) || qp_static_open (m, l->block);
  else
    rc = qp_dynamic_format (ctl, l) || qp_dynamic_open (m, l->block);
  if (rc != 0)
    return -1;
  if (!mmalloc_setkey (m->md, QP_KEY, ctl) || mmalloc_sync (m->md) != 0)
    return -1;
  return 0;
}

/* Attach the existing map file FD; fill in M.  0, or -1 with errno set
   (the heap may then be attached: M->md).  */
static int
attach_map (struct qp_map *m, int fd)
{
  struct qp_ctl *ctl;
  size_t usable;

  m->md = mmalloc_attach (fd, NULL);	/* at its recorded base */
  if (m->md == NULL)
    return -1;
  ctl = mmalloc_getkey (m->md, QP_KEY);
  /* Key 0 must name a block of this heap big enough for the control
     block; mmalloc_usable_size says 0 for anything else.  */
  usable = ctl != NULL ? mmalloc_usable_size (m->md, ctl) : 0;
  if (usable < QP_CTL_HEAD
      || memcmp (ctl->magic, QP_MAGIC, QP_MAGIC_SIZE) != 0
      || ctl->version != QP_VERSION
      || ctl->word_size != sizeof (void *)
      || ctl->mutex_size != sizeof (pthread_mutex_t))
    goto inval;
  m->ctl = ctl;
  if (ctl->kind == QP_STATIC)
    {
      m->kind = QP_STATIC;
      if (qp_static_open (m, usable) != 0)
	return -1;
      /* Nobody else has the map: nobody holds its stream locks,
	 whatever their words say (a damaged file, or a machine crash
	 with a lock held), so they are made anew rather than trusted.  */
      if (mmi_attached_alone (m->md))
	return qp_static_relock (m);
      return 0;
    }
  if (ctl->kind == QP_DYNAMIC)
    {
      m->kind = QP_DYNAMIC;
      return qp_dynamic_open (m, usable);
    }
 inval:
  errno = EINVAL;
  return -1;
}

/* Make (L not NULL: create or load, checking the parameters) or load
   (L NULL) the map FILENAME.  */
static void *
open_map (const struct qp_layout *l, void *addr, const char *filename)
{
  struct qp_map *m = NULL, *old;
  struct stat st;
  int fd, saved, locked = 0, created = 0;
  long ps = sysconf (_SC_PAGESIZE);

  if (filename == NULL
      || (addr != NULL && ps > 0 && (uintptr_t) addr % (uintptr_t) ps != 0))
    {
      errno = EINVAL;
      return NULL;
    }

  lock_list ();
  fd = open (filename, O_RDWR | O_CLOEXEC | (l != NULL ? O_CREAT : 0), 0600);
  if (fd < 0)
    goto fail;
  if (fstat (fd, &st) != 0)
    goto fail;
  if (!S_ISREG (st.st_mode))
    {
      errno = EINVAL;
      goto fail;
    }
  old = find_map (st.st_dev, st.st_ino);
  if (old != NULL)
    {
      close (fd);
      /* Compared under the lock: a cleanup may free OLD as soon as it
	 is released.  */
      if (l != NULL && !map_matches (old, l, addr))
	{
	  old = NULL;
	  errno = EINVAL;
	}
      unlock_list ();
      return old;
    }

  /* No other process formats or loads it while we do.  (Without file
     locks, the engine's own lock still keeps two processes from both
     formatting it.)  */
  locked = lock_file (fd, F_WRLCK) == 0;
  if (fstat (fd, &st) != 0)
    goto fail;
  m = calloc (1, sizeof *m);
  if (m == NULL)
    goto fail;
  m->fd = fd;
  m->dev = st.st_dev;
  m->ino = st.st_ino;

  if (st.st_size == 0)
    {
      if (l == NULL)
	{
	  errno = EINVAL;	/* nothing to load */
	  goto fail;
	}
      created = 1;
      if (create_map (m, fd, addr, l) != 0)
	goto fail;
    }
  else
    {
      if (attach_map (m, fd) != 0)
	goto fail;
      if (l != NULL && !map_matches (m, l, addr))
	{
	  errno = EINVAL;
	  goto fail;
	}
    }

  if (locked)
    lock_file (fd, F_UNLCK);
  m->next = maps;
  maps = m;
  unlock_list ();
  return m;

 fail:
  saved = errno;
  if (m != NULL && m->md != NULL)
    mmalloc_detach (m->md);
  if (created && ftruncate (fd, 0) != 0)
    {
      /* The file stays as it is: without key 0 it is refused.  */
    }
  if (fd >= 0)
    {
      if (locked)
	lock_file (fd, F_UNLCK);
      close (fd);
    }
  free (m);
  unlock_list ();
  errno = saved;
  return NULL;
}

void *
qalloc_makestatmap (const off_t filesize, void *addr, const char *filename,
		    size_t itemsize, const size_t streams)
{
  struct qp_layout l;

  if (qp_static_layout (&l, filesize, itemsize, streams) != 0)
    return NULL;
  return open_map (&l, addr, filename);
}

void *
qalloc_makedynmap (const off_t filesize, void *addr, const char *filename,
		   const size_t streams)
{
  struct qp_layout l;

  if (qp_dynamic_layout (&l, filesize, streams) != 0)
    return NULL;
  return open_map (&l, addr, filename);
}

void *
qalloc_loadmap (const char *filename)
{
  return open_map (NULL, NULL, filename);
}

/* A failed msync leaves its errno (the last one, when several fail);
   otherwise errno is kept.  */
void
qalloc_checkpoint (void)
{
  struct qp_map *m;
  int saved = errno;

  lock_list ();
  for (m = maps; m != NULL; m = m->next)
    if (mmalloc_sync (m->md) != 0)
      saved = errno;
  unlock_list ();
  errno = saved;
}

void
qalloc_cleanup (void)
{
  struct qp_map *m, *next;
  int saved = errno;

  lock_list ();
  for (m = maps; m != NULL; m = next)
    {
      next = m->next;
      if (mmalloc_sync (m->md) != 0)
	saved = errno;
      mmalloc_detach (m->md);
      close (m->fd);
      /* Poison the kind, so that a stale descriptor is refused while
	 its memory is not reused.  */
      m->kind = 0;
      free (m);
    }
  maps = NULL;
  unlock_list ();
  errno = saved;
}

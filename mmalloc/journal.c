/* journal.c -- crash recovery of heap files: the undo journal, and the
   locks that tell whether anybody is attached.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* A process may die (SIGKILL, a crash) at any instruction, also while
   it holds a heap file's lock in the middle of an operation.  Every
   word a locked operation changes in the region is first journaled
   (mmi_jlog: offset and old value, appended in the header page), and
   unlocking empties the journal, so at any instant the journal holds
   exactly what the operation in flight has changed.  Whoever repairs
   the heap -- the next process to take the robust lock (EOWNERDEAD),
   or the next process to attach a heap that nobody is attached to --
   writes the old values back, last first: the interrupted operation
   never happened.  An interrupted allocation is free again, an
   interrupted release leaves the block allocated; everything that
   returned before the crash is untouched.

   The one operation too big for the journal, freeing a huge block that
   spans many segments, records an intent and proceeds in steps that
   each fit (pages.c); recovery undoes the step in flight and then
   completes the intent.

   A process shows that it is attached by an open-file-description read
   lock on byte 1 of the file, held on a file description of its own
   (so that closing the caller's descriptors does not drop it, and a
   child that inherits it across fork keeps it until it exits).  An
   attach that can take a write lock on that byte is alone: if the heap
   says it is attached (dirty), the processes that attached it are all
   dead, and the attach repairs it -- the lock word included, since it
   may name a thread that no longer exists.  Attaches queue on the
   caller's descriptor with flock, so only one of them repairs.  */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "mmprivate.h"

static inline struct mm_jentry *
journal_of (struct mm_heap *h)
{
  return (struct mm_jentry *) (h->base + MM_JOURNAL_OFF);
}

/* Append the 8-byte word holding ADDR to the journal.  Not inlined: the
   caller's store must stay after the entry is complete, and a call
   keeps the compiler from moving it.  */
__attribute__ ((noinline)) void
mmi_jlog_slow (struct mm_heap *h, const void *addr)
{
  struct mm_header *hdr = h->hdr;
  uint64_t off = (uint64_t) ((const char *) addr - h->base) & ~(uint64_t) 7;
  uint32_t n = hdr->jlen;
  struct mm_jentry *j = h->journal;

  /* A word changed twice in a row needs only its first old value.  */
  if (n != 0 && n <= MM_JOURNAL_ENTRIES && j[n - 1].off == off)
    return;
  if (mmi_unlikely (n >= MM_JOURNAL_ENTRIES))
    {
      /* Cannot happen: every operation's writes are bounded well
	 below the journal's size (see the steps of huge frees).  Keep
	 the heap usable; a crash right now would not be undone
	 completely, and mmalloc_check would say so.  */
      return;
    }
  j[n].off = off;
  j[n].old = *(const uint64_t *) (h->base + off);
  /* The entry is complete before it counts, and it counts before the
     word changes: a process dies between instructions, never inside
     one, and its stores so far are in the shared page.  */
  __atomic_store_n (&hdr->jlen, n + 1, __ATOMIC_RELEASE);
}

/* The operation in flight is complete: forget its journal.  */
void
mmi_jcommit (struct mm_heap *h)
{
  if (h->journal != NULL && h->hdr->jlen != 0)
    __atomic_store_n (&h->hdr->jlen, 0, __ATOMIC_RELEASE);
  if (mmi_unlikely (h->nrel != 0))
    mmi_release_pending (h);
}

/* Whether OFF (from the journal) names a word we may write back: inside
   the mapped region, aligned, and neither the journal nor the lock.  */
static int
entry_ok (struct mm_heap *h, uint64_t off)
{
  uint64_t lock = offsetof (struct mm_header, lock);

  if (off % 8 != 0 || off >= h->mapped)
    return 0;
  /* Operations never change the header's description of the region
     (magic to capacity) nor its stripes: an entry naming them comes
     from a damaged file.  */
  if (off < offsetof (struct mm_header, top))
    return 0;
  if (off + 8 > offsetof (struct mm_header, streams)
      && off < offsetof (struct mm_header, nattached) + 4)
    return 0;
  if (off >= offsetof (struct mm_header, jlen)
      && off < offsetof (struct mm_header, intent))
    return 0;			/* the journal's own count */
  if (off + 8 > lock && off < lock + sizeof (pthread_mutex_t))
    return 0;
  if (off >= MM_JOURNAL_OFF && off < MM_PAGE)
    return 0;
  return 1;
}

/* Repair heap H after a process died in an operation: undo what the
   journal holds, then complete an interrupted multi-step operation.
   Called with the lock held (or by an attach that is alone).  Returns
   1 when something was repaired, 0 when there was nothing to do.  */
int
mmi_recover (struct mm_heap *h)
{
  struct mm_header *hdr = h->hdr;
  struct mm_jentry *j = journal_of (h);
  uint32_t n = hdr->jlen, i;
  uint64_t hwm = hdr->hwm;
  int did = n != 0;

  /* Validation: a count past the journal's size comes from a damaged
     file; the entries that fit are still the best we have.  */
  if (n > MM_JOURNAL_ENTRIES)
    n = MM_JOURNAL_ENTRIES;
  for (i = n; i-- > 0;)
    {
      uint64_t off = j[i].off;
      if (entry_ok (h, off))
	*(uint64_t *) (h->base + off) = j[i].old;
    }
  /* Pages the undone operation wrote (a copy, a fill) may be above
     the restored high-water mark, which promises zero pages above it:
     keep the mark where it was.  */
  if (hdr->hwm < hwm)
    hdr->hwm = hwm;
  __atomic_store_n (&hdr->jlen, 0, __ATOMIC_RELEASE);

  if (hdr->intent != MM_INTENT_NONE)
    {
      did = 1;
      mmi_pages_resume (h);
      mmi_jcommit (h);
    }
  if (did)
    hdr->recoveries++;
  return did;
}

/* Open a file description of our own on H's file, and show that we
   are attached.  *ALONE is set when no other process is attached (the
   caller holds the attach gate, so that stays true until it returns).
   0, or -1 with errno set.  */
int
mmi_attach_locks (struct mm_heap *h, int *alone)
{
  struct flock fl;
  char path[64];
  int fd;

  *alone = 0;
  snprintf (path, sizeof path, "/proc/self/fd/%d", h->fd);
  fd = open (path, (h->rdonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
  if (fd < 0)
    /* No /proc: share the caller's description.  The lock then lasts
       as long as the caller keeps it open, which errs on the safe
       side: nobody will take the heap for abandoned.  */
    fd = fcntl (h->fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0)
    {
      h->saved_errno = errno;
      return -1;
    }
  memset (&fl, 0, sizeof fl);
  fl.l_whence = SEEK_SET;
  fl.l_start = 1;
  fl.l_len = 1;
  if (!h->rdonly)
    {
      fl.l_type = F_WRLCK;
      if (fcntl (fd, F_OFD_SETLK, &fl) == 0)
	*alone = 1;
    }
  fl.l_type = F_RDLCK;
  if (fcntl (fd, F_OFD_SETLK, &fl) != 0)
    {
      /* Only an attach in progress elsewhere holds a write lock, and
	 attaches are serialized; an error here is the system's.  */
      h->saved_errno = errno;
      close (fd);
      *alone = 0;
      return -1;
    }
  h->lockfd = fd;
  return 0;
}

/* Stop showing that H is attached (by closing our description; a
   child that inherited it keeps the lock until it lets it go).  */
void
mmi_attach_unlock (struct mm_heap *h)
{
  if (h->lockfd >= 0)
    {
      close (h->lockfd);
      h->lockfd = -1;
    }
}
